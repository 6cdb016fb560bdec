import { type Expression, type Operator, RULES, type UriVariables, type VarSpec } from './uri-template-syntax';

/**
 * A URI template compiled to the instructions of a small NFA, the same automaton as the regex
 * `^lit([^S]*)lit...$` the template used to become, for uri-matcher.ts to run. A SPLIT's
 * `next` is the alternative a backtracking regex tries first (a `*` loop prefers another
 * character, an optional part prefers to be present). Every non-consuming edge leads to a
 * higher instruction index, so the non-consuming steps never loop.
 */

/** Consume the literal `text`. */
export const LIT = 0;
/** Consume one character not in `text`. */
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
  /** A LIT's literal; the characters a CLASS does not take. */
  text: string[];
  /** A LIT's first character. */
  first: Int32Array;
  /** Whether CLASS `pc` takes ASCII character c: `takes[pc * 128 + c]`. */
  takes: Uint8Array;
  /**
   * ASCII characters that start a LIT after the first instruction or stop a CLASS. On any
   * other character every LIT past the first fails and every CLASS goes on.
   */
  special: Uint8Array;
  /** For each SPLIT, its index among the program's SPLITs; -1 for other instructions. */
  split: Int32Array;
  splits: number;
  captures: Capture[];
}

class Builder {
  readonly op: number[] = [];
  readonly arg: number[] = [];
  readonly next: number[] = [];
  readonly text: string[] = [];
  readonly captures: Capture[] = [];

  get pc(): number {
    return this.op.length;
  }

  emit(op: number, arg = 0, text = ''): number {
    const pc = this.pc;
    this.op.push(op);
    this.arg.push(arg);
    this.next.push(pc + 1);
    this.text.push(text);
    return pc;
  }

  literal(text: string): void {
    if (text === '') return;
    // A SPLIT's other branch always lands on a SAVE, so nothing jumps to a LIT's end: join it.
    if (this.op[this.pc - 1] === LIT) this.text[this.pc - 1] += text;
    else this.emit(LIT, 0, text);
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
    let splits = 0;
    const split = Int32Array.from(this.op, (op) => (op === SPLIT ? splits++ : -1));
    const takes = new Uint8Array(this.pc * 128);
    const special = new Uint8Array(128);
    this.op.forEach((op, pc) => {
      const text = this.text[pc] as string;
      if (op === LIT && pc > 0 && text.charCodeAt(0) < 128) special[text.charCodeAt(0)] = 1;
      if (op !== CLASS) return;
      for (let c = 0; c < 128; c++) {
        const stops = text.includes(String.fromCharCode(c));
        takes[pc * 128 + c] = stops ? 0 : 1;
        if (stops) special[c] = 1;
      }
    });
    return {
      op: Uint8Array.from(this.op),
      arg: Int32Array.from(this.arg),
      next: Int32Array.from(this.next),
      text: this.text,
      first: Int32Array.from(this.text, (text) => text.charCodeAt(0)),
      takes,
      special,
      split,
      splits,
      captures: this.captures,
    };
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
      b.capture(
        () => b.run('#'),
        operator,
        (raw, result) => readQuery(vars, raw, result),
      );
      continue;
    }
    vars.forEach((spec, index) => {
      b.literal(index === 0 ? RULES[operator].first : RULES[operator].separator);
      const stop = stopChars(operator, spec, vars.length > 1);
      if (operator === ';') {
        b.literal(spec.name);
        b.capture(
          () => b.run(stop),
          '=',
          (raw, result) => assign(spec.name, raw, result),
        );
        return;
      }
      b.capture(
        () => b.run(stop),
        undefined,
        (raw, result) => {
          if (!spec.explode) return assign(spec.name, raw, result);
          const items = raw.split(RULES[operator].separator).map(decodeValue);
          if (items.some((item) => item === undefined)) return false;
          result[spec.name] = items as string[];
          return true;
        },
      );
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
