import { type Expression, type Operator, RULES, type UriVariables, type VarSpec } from './uri-template-syntax';

/**
 * A URI template compiled to the instructions of a small NFA, the same automaton as the regex
 * `^lit([^S]*)lit...$` the template used to become, for uri-matcher.ts to simulate.
 * Alternatives are ordered as a backtracking regex tries them (a `*` loop prefers another
 * character, an optional part prefers to be present), so the simulation's winning thread
 * binds what the regex would.
 */

/** Consume one character equal to `arg` (a UTF-16 code unit). */
export const CHAR = 0;
/** Consume one character not in `stop`. */
export const CLASS = 1;
/** Fork: `next` first, then `arg`. */
export const SPLIT = 2;
/** Record the position in capture slot `arg`. */
export const SAVE = 3;
/** Accept, if the URI is at its end. */
export const MATCH = 4;

export interface Capture {
  /** Slot of the capture's start; its end is in slot + 1. */
  slot: number;
  /** The captured text; false when it does not decode. */
  read: (raw: string, result: UriVariables) => boolean;
}

export interface Program {
  op: Uint8Array;
  arg: Int32Array;
  next: Int32Array;
  /** The characters a CLASS instruction does not take. */
  stop: (string | undefined)[];
  /**
   * For a CLASS in a `*` loop whose way out starts with given characters (a literal or the
   * end): its stop characters and those. Any other character leaves a thread there exactly
   * where it was, so a step in which every thread is such a loop can be skipped.
   */
  skip: (string | undefined)[];
  captures: Capture[];
}

class Builder {
  readonly op: number[] = [];
  readonly arg: number[] = [];
  readonly next: number[] = [];
  readonly stop: (string | undefined)[] = [];
  readonly captures: Capture[] = [];

  get pc(): number {
    return this.op.length;
  }

  emit(op: number, arg = 0, stop?: string): number {
    const pc = this.pc;
    this.op.push(op);
    this.arg.push(arg);
    this.next.push(pc + 1);
    this.stop.push(stop);
    return pc;
  }

  literal(text: string): void {
    for (let i = 0; i < text.length; i++) this.emit(CHAR, text.charCodeAt(i));
  }

  /** `[^stop]*`, greedy. */
  run(stop: string): void {
    const loop = this.emit(SPLIT);
    const char = this.emit(CLASS, 0, stop);
    this.next[char] = loop;
    this.arg[loop] = this.pc;
  }

  /**
   * A capture around `body`; with a `lead`, `(?:lead body)?`, present when it can be (the raw
   * text then starts with the lead, which the reader drops).
   */
  capture(body: () => void, lead: string | undefined, read: Capture['read']): void {
    const slot = this.captures.length * 2;
    this.emit(SAVE, slot);
    let optional = -1;
    if (lead !== undefined) {
      optional = this.emit(SPLIT);
      this.literal(lead);
    }
    body();
    if (optional !== -1) this.arg[optional] = this.pc;
    this.emit(SAVE, slot + 1);
    const strip = lead?.length ?? 0;
    this.captures.push({ slot, read: strip === 0 ? read : (raw, result) => read(raw.slice(strip), result) });
  }

  build(): Program {
    this.emit(MATCH);
    return {
      op: Uint8Array.from(this.op),
      arg: Int32Array.from(this.arg),
      next: Int32Array.from(this.next),
      stop: this.stop,
      skip: this.op.map((op, pc) => (op === CLASS ? this.skipChars(pc) : undefined)),
      captures: this.captures,
    };
  }

  /** See Program.skip: the characters on which a loop's thread may do anything but stay. */
  private skipChars(pc: number): string | undefined {
    let chars = this.stop[pc] as string;
    const seen = new Set<number>();
    const pending = [this.arg[this.next[pc] as number] as number];
    for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
      if (seen.has(at)) continue;
      seen.add(at);
      const op = this.op[at];
      if (op === CHAR) chars += String.fromCharCode(this.arg[at] as number);
      else if (op === SAVE) pending.push(this.next[at] as number);
      else if (op === SPLIT) pending.push(this.next[at] as number, this.arg[at] as number);
      else if (op === CLASS) return undefined; // another run can start on almost any character
    }
    return chars;
  }
}

export function compile(parts: readonly (string | Expression)[]): Program {
  const b = new Builder();
  for (const part of parts) {
    if (typeof part === 'string') {
      b.literal(part);
      continue;
    }
    const { operator, vars } = part;
    if (operator === '?' || operator === '&') {
      // Query parameters: optional and order-independent.
      b.capture(() => b.run('#'), operator, (raw, result) => readQuery(vars, raw, result));
      continue;
    }
    vars.forEach((spec, index) => {
      b.literal(index === 0 ? RULES[operator].first : RULES[operator].separator);
      const stop = stopChars(operator, spec, vars.length > 1);
      if (operator === ';') {
        b.literal(spec.name);
        b.capture(() => b.run(stop), '=', (raw, result) => assign(spec.name, raw, result));
        return;
      }
      b.capture(() => b.run(stop), undefined, (raw, result) => {
        if (!spec.explode) return assign(spec.name, raw, result);
        const items = raw.split(RULES[operator].separator).map(decodeValue);
        if (items.some((item) => item === undefined)) return false;
        result[spec.name] = items as string[];
        return true;
      });
    });
  }
  return b.build();
}

/** The characters a variable's value cannot contain. */
function stopChars(operator: Operator, spec: VarSpec, multi: boolean): string {
  const comma = multi && !spec.explode ? ',' : '';
  switch (operator) {
    case '':
      return spec.explode ? '/?#' : '/?#,';
    case '+':
      return `?#${comma}`;
    case '#':
      // Without a comma to stop at, the regex's `.`, which stops only at line terminators.
      return comma || '\n\r\u2028\u2029';
    case '.':
      return spec.explode ? '/?#' : '/?#.';
    case '/':
      return spec.explode ? '?#' : '/?#';
    default:
      return ';/?#';
  }
}

function assign(name: string, raw: string, result: UriVariables): boolean {
  const value = decodeValue(raw);
  if (value === undefined) return false;
  result[name] = value;
  return true;
}

function readQuery(vars: readonly VarSpec[], query: string, result: UriVariables): boolean {
  const pairs = parseQuery(query);
  if (pairs === undefined) return false;
  for (const spec of vars) {
    const values = pairs.filter(([key]) => key === spec.name).map(([, value]) => value);
    if (values.length > 0) result[spec.name] = spec.explode ? values : (values[0] as string);
  }
  return true;
}

/** decodeURIComponent, or undefined for malformed escapes. */
export function decodeValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** `a=1&b=2` as decoded pairs, or undefined when an escape is malformed. */
export function parseQuery(query: string): [string, string][] | undefined {
  if (query === '') return [];
  const pairs: [string, string][] = [];
  for (const piece of query.split('&')) {
    const eq = piece.indexOf('=');
    const key = decodeValue(eq === -1 ? piece : piece.slice(0, eq));
    const value = decodeValue(eq === -1 ? '' : piece.slice(eq + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}
