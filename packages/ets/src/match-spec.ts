/**
 * Match patterns and match specifications, ETS style.
 *
 * Markers are symbols, which no stored value can contain (msgpack has no
 * symbols), so a pattern can never confuse a marker with data:
 * `_` matches anything, `$(1)`, `$(2)`, ... bind variables (a variable that
 * occurs twice must match equal values), `$_` is the whole object and `$$`
 * the list of bindings in a result.
 *
 * A pattern matches an array element by element (same length), a plain object
 * or a Map on the properties or string keys the pattern names (like an Erlang
 * map pattern), anything else by value (see terms.ts).
 *
 * A match spec is a list of clauses `{ head, guards?, result? }` (or ETS's
 * tuple form `[head, guards, [result]]`). Guards are expressions: a variable,
 * `$_`, a literal, `['const', value]`, or a call `[op, ...args]` with op one of
 * the comparison (`<`, `>`, `=<`, `>=`, `==`, `/=`, `=:=`, `=/=`), boolean
 * (`and`, `or`, `xor`, `not`, `andalso`, `orelse`), type test (`is_number`,
 * `is_integer`, `is_float`, `is_string`, `is_list`, `is_map`, `is_boolean`,
 * `is_binary`), arithmetic (`+`, `-`, `*`, `/`, `div`, `rem`, `abs`) or access
 * (`element`, `length`, `map_get`, `is_map_key`) operators. The result is a
 * template in which markers are replaced by their values; it defaults to `$_`.
 */
import { BadArgError } from './errors';
import { compareTerms, termEquals } from './terms';

const VARIABLES = new Map<symbol, number>();

/** Matches any value. */
export const _: unique symbol = Symbol.for('ets._');
/** In a result: the whole matched object. */
export const $_: unique symbol = Symbol.for('ets.$_');
/** In a result: all bindings, as a list ordered by variable number. */
export const $$: unique symbol = Symbol.for('ets.$$');

/** The match variable number `n` (1, 2, ...), written `'$n'` in Erlang. */
export function $(n: number): symbol {
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new BadArgError(`match variable number must be a positive integer, got ${n}`);
  const s = Symbol.for(`ets.$${n}`);
  VARIABLES.set(s, n);
  return s;
}

export type Pattern = unknown;
export type GuardExpression = unknown;

export interface MatchClause {
  head: Pattern;
  guards?: readonly GuardExpression[];
  result?: unknown;
}

/** A clause object, or ETS's `[head, guards, [result]]`. */
export type MatchSpec = ReadonlyArray<MatchClause | readonly [Pattern, readonly GuardExpression[], readonly unknown[]]>;

type Bindings = unknown[];

/** A match spec compiled for repeated use over a table's objects. */
export class CompiledSpec {
  private readonly clauses: Array<{ head: Pattern; guards: readonly GuardExpression[]; result: unknown }>;

  constructor(spec: MatchSpec) {
    if (!Array.isArray(spec)) throw new BadArgError('a match spec is a list of clauses');
    this.clauses = spec.map((c, i) => {
      if (Array.isArray(c)) {
        const [head, guards, body] = c as unknown as readonly [Pattern, readonly GuardExpression[], readonly unknown[]];
        if (c.length !== 3 || !Array.isArray(guards) || !Array.isArray(body) || body.length !== 1) {
          throw new BadArgError(`match spec clause ${i}: expected [head, guards, [result]]`);
        }
        return { head, guards, result: body[0] };
      }
      const clause = c as MatchClause;
      if (clause === null || typeof clause !== 'object' || !('head' in clause))
        throw new BadArgError(`match spec clause ${i}: expected { head, guards?, result? }`);
      return { head: clause.head, guards: clause.guards ?? [], result: 'result' in clause ? clause.result : $_ };
    });
  }

  /** The clause result for the first matching clause, or NO_MATCH. */
  run(object: unknown): unknown {
    for (const clause of this.clauses) {
      const bindings: Bindings = [];
      if (!matchPattern(clause.head, object, bindings)) continue;
      let pass = true;
      for (const guard of clause.guards) {
        let value: unknown;
        try {
          value = evaluate(guard, object, bindings);
        } catch (error) {
          if (error instanceof BadArgError) throw error;
          value = false; // a failing guard expression fails the guard, as in Erlang
        }
        if (value !== true) {
          pass = false;
          break;
        }
      }
      if (pass) return build(clause.result, object, bindings);
    }
    return NO_MATCH;
  }

  /** The key if every clause's head fixes it completely (so a lookup can replace a scan). */
  boundKeys(keyPos: number): unknown[] | null {
    const keys: unknown[] = [];
    for (const clause of this.clauses) {
      if (!Array.isArray(clause.head) || clause.head.length < keyPos) return null;
      const key: unknown = clause.head[keyPos - 1];
      if (!isGround(key)) return null;
      keys.push(key);
    }
    return keys;
  }
}

export const NO_MATCH: unique symbol = Symbol('ets.no_match');

/** Matches `value` against `pattern`, binding variables into `bindings` (index n - 1). */
export function matchPattern(pattern: Pattern, value: unknown, bindings: Bindings): boolean {
  if (typeof pattern === 'symbol') {
    if (pattern === _) return true;
    const n = variableNumber(pattern);
    if (n === 0) throw new BadArgError(`unknown marker ${String(pattern)} in a pattern`);
    if (n - 1 < bindings.length && bindings[n - 1] !== UNBOUND) return termEquals(bindings[n - 1], value);
    while (bindings.length < n - 1) bindings.push(UNBOUND);
    bindings[n - 1] = value;
    return true;
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value) || value.length !== pattern.length) return false;
    for (let i = 0; i < pattern.length; i++) if (!matchPattern(pattern[i], value[i], bindings)) return false;
    return true;
  }
  if (isPlainObject(pattern)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    if (value instanceof Map) {
      for (const k of Object.keys(pattern)) {
        const entry = mapEntry(value as Map<unknown, unknown>, k);
        if (entry === undefined || !matchPattern(pattern[k], entry[1], bindings)) return false;
      }
      return true;
    }
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(pattern)) {
      if (!Object.prototype.hasOwnProperty.call(record, k)) return false;
      if (!matchPattern(pattern[k], record[k], bindings)) return false;
    }
    return true;
  }
  return termEquals(pattern, value);
}

/** The bindings of a match, in variable order (what ets:match returns per object). */
export function bindingList(bindings: Bindings): unknown[] {
  return bindings.filter((b) => b !== UNBOUND);
}

const UNBOUND: unique symbol = Symbol('ets.unbound');

function variableNumber(s: symbol): number {
  const known = VARIABLES.get(s);
  if (known !== undefined) return known;
  const m = /^ets\.\$(\d+)$/.exec(Symbol.keyFor(s) ?? '');
  if (m === null) return 0;
  const n = Number(m[1]);
  VARIABLES.set(s, n);
  return n;
}

/**
 * The entry of `map` whose key equals `key` (as terms: an object or array key
 * by value, as Erlang map keys), or undefined.
 */
function mapEntry(map: Map<unknown, unknown>, key: unknown): [unknown, unknown] | undefined {
  if (map.has(key)) return [key, map.get(key)];
  if (key === null || typeof key !== 'object') return undefined;
  for (const entry of map) if (termEquals(entry[0], key)) return entry;
  return undefined;
}

/** A map in Erlang's sense: a plain object, or a Map. */
function isMap(v: unknown): boolean {
  return isPlainObject(v) || v instanceof Map;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Whether a pattern matches exactly one key, so a lookup can replace a scan.
 * A plain object never is: it matches any object with at least its properties.
 */
function isGround(v: unknown): boolean {
  if (typeof v === 'symbol' || isPlainObject(v)) return false;
  if (Array.isArray(v)) return v.every(isGround);
  return true;
}

function binding(s: symbol, object: unknown, bindings: Bindings): unknown {
  if (s === $_) return object;
  if (s === $$) return bindingList(bindings);
  const n = variableNumber(s);
  if (n === 0 || n - 1 >= bindings.length || bindings[n - 1] === UNBOUND)
    throw new BadArgError(`${String(s)} is not bound in this clause`);
  return bindings[n - 1];
}

function build(template: unknown, object: unknown, bindings: Bindings): unknown {
  if (typeof template === 'symbol') return binding(template, object, bindings);
  if (Array.isArray(template)) return template.map((t) => build(t, object, bindings));
  if (isPlainObject(template)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(template)) out[k] = build(template[k], object, bindings);
    return out;
  }
  return template;
}

type Operator = (args: unknown[]) => unknown;

// A throw fails the guard, as an exception does in Erlang (badarith, badarg).
const num = (v: unknown): number => {
  if (typeof v !== 'number') throw new TypeError('not a number');
  return v;
};
const int = (v: unknown): number => {
  if (!Number.isInteger(v)) throw new TypeError('not an integer');
  return v as number;
};
const divisor = (v: unknown): number => {
  if (int(v) === 0) throw new RangeError('division by zero');
  return v as number;
};
/** Erlang has no Infinity or NaN: an arithmetic result that is not finite is badarith. */
const finite = (v: number): number => {
  if (!Number.isFinite(v)) throw new RangeError('badarith');
  return v;
};
const bool = (v: unknown): boolean => {
  if (typeof v !== 'boolean') throw new TypeError('not a boolean');
  return v;
};

const OPERATORS: Record<string, Operator> = {
  '<': ([a, b]) => compareTerms(a, b) < 0,
  '>': ([a, b]) => compareTerms(a, b) > 0,
  '=<': ([a, b]) => compareTerms(a, b) <= 0,
  '>=': ([a, b]) => compareTerms(a, b) >= 0,
  '==': ([a, b]) => compareTerms(a, b) === 0,
  '/=': ([a, b]) => compareTerms(a, b) !== 0,
  '=:=': ([a, b]) => termEquals(a, b),
  '=/=': ([a, b]) => !termEquals(a, b),
  and: (args) => args.map(bool).every((a) => a),
  or: (args) => args.map(bool).some((a) => a),
  xor: ([a, b]) => bool(a) !== bool(b),
  not: ([a]) => !bool(a),
  is_number: ([a]) => typeof a === 'number',
  is_integer: ([a]) => Number.isInteger(a),
  is_float: ([a]) => typeof a === 'number' && !Number.isInteger(a),
  is_string: ([a]) => typeof a === 'string',
  is_list: ([a]) => Array.isArray(a),
  is_map: ([a]) => isMap(a),
  is_boolean: ([a]) => typeof a === 'boolean',
  is_binary: ([a]) => a instanceof Uint8Array,
  '+': ([a, b]) => finite(num(a) + num(b)),
  '-': (args) => (args.length === 1 ? -num(args[0]) : finite(num(args[0]) - num(args[1]))),
  '*': ([a, b]) => finite(num(a) * num(b)),
  '/': ([a, b]) => {
    if (num(b) === 0) throw new RangeError('division by zero');
    return finite(num(a) / (b as number));
  },
  div: ([a, b]) => Math.trunc(int(a) / divisor(b)),
  rem: ([a, b]) => int(a) % divisor(b),
  abs: ([a]) => Math.abs(num(a)),
  element: ([i, t]) => {
    if (!Array.isArray(t) || !Number.isInteger(i) || (i as number) < 1 || (i as number) > t.length)
      throw new TypeError('element out of range');
    return t[(i as number) - 1] as unknown;
  },
  length: ([a]) => {
    if (!Array.isArray(a) && typeof a !== 'string') throw new TypeError('no length');
    return a.length;
  },
  map_get: ([k, m]) => {
    if (m instanceof Map) {
      const entry = mapEntry(m as Map<unknown, unknown>, k);
      if (entry === undefined) throw new TypeError('no such key');
      return entry[1];
    }
    if (!isPlainObject(m) || typeof k !== 'string' || !Object.prototype.hasOwnProperty.call(m, k))
      throw new TypeError('no such key');
    return m[k];
  },
  is_map_key: ([k, m]) =>
    m instanceof Map
      ? mapEntry(m as Map<unknown, unknown>, k) !== undefined
      : isPlainObject(m) && typeof k === 'string' && Object.prototype.hasOwnProperty.call(m, k),
};

/** Lazy operators evaluate their arguments only as far as needed. */
const SHORT_CIRCUIT = new Set(['andalso', 'orelse']);

function evaluate(expr: GuardExpression, object: unknown, bindings: Bindings): unknown {
  if (typeof expr === 'symbol') return binding(expr, object, bindings);
  if (!Array.isArray(expr)) return expr;
  const [op, ...args] = expr as [unknown, ...unknown[]];
  if (op === 'const') return args[0];
  if (typeof op !== 'string')
    throw new BadArgError("a guard call is [operator, ...args]; wrap literal lists as ['const', list]");
  if (SHORT_CIRCUIT.has(op)) {
    // As in Erlang: every operand but the last must be a boolean; the last is the value.
    for (let i = 0; i < args.length; i++) {
      const v = evaluate(args[i], object, bindings);
      if (i === args.length - 1) return v;
      if (bool(v) !== (op === 'andalso')) return v;
    }
    return op === 'andalso';
  }
  const fn = OPERATORS[op];
  if (fn === undefined) throw new BadArgError(`unknown guard operator ${JSON.stringify(op)}`);
  return fn(args.map((a) => evaluate(a, object, bindings)));
}
