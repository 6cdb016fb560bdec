import { CLASS, compile, LIT, MATCH, type Program, SAVE, SPLIT } from './uri-matcher-program';
import type { Expression, UriVariables } from './uri-template-syntax';

/**
 * Matches URIs against a parsed template in time O(URI length × template size), without
 * backtracking (the regexes this replaced, with several `[^?#]*` runs, backtracked
 * polynomially and let one long resources/read URI stall a session), yet accepting exactly
 * the URIs those regexes accepted and binding the same values.
 *
 * The template is an NFA (uri-matcher-program.ts). A pass from the end of the URI to its
 * start finds, at each position, which instructions can still reach acceptance from there;
 * it keeps, for each SPLIT, whether its preferred branch can. A walk from the start then
 * takes each SPLIT's preferred branch when it can succeed and the other one otherwise. A
 * backtracking regex returns the first path, in that same preference order, that succeeds,
 * so the walk finds its split without ever going back. Values are decoded after the split is
 * chosen; one that does not decode fails the match, as it did after the regex matched.
 */
export interface Matcher {
  match(uri: string): UriVariables | undefined;
}

let stepCount = 0;

/** Instructions evaluated by all matches so far; for tests asserting the work is linear. */
export function uriMatchSteps(): number {
  return stepCount;
}

export function buildMatcher(parts: readonly (string | Expression)[]): Matcher {
  const program = compile(parts);
  const { op, text } = program;
  const size = op.length;
  // Every path starts with the first instruction and reaches MATCH through the one before it.
  const prefix = op[0] === LIT ? (text[0] as string) : '';
  const suffix = size > 2 && op[size - 2] === LIT ? (text[size - 2] as string) : '';
  // "Can reach acceptance" flags per instruction for the positions a LIT can look ahead to.
  const depth = Math.max(1, ...text.filter((_, pc) => op[pc] === LIT).map((literal) => literal.length)) + 1;
  const rows = new Uint8Array(depth * size);
  return {
    match(uri) {
      // Cheap refusals first: most templates a server tries fail on their scheme or host.
      stepCount += prefix.length + suffix.length;
      if (!uri.startsWith(prefix) || !uri.endsWith(suffix) || uri.length < prefix.length + suffix.length)
        return undefined;
      // Past the prefix, the program goes on from its second instruction.
      const start = prefix === '' ? 0 : 1;
      const preferred = viableBranches(program, uri, start, prefix.length, rows, depth);
      return preferred === undefined ? undefined : walk(program, uri, start, prefix.length, preferred);
    },
  };
}

/**
 * For each position from `from` on and each SPLIT, whether the SPLIT's preferred branch can
 * reach acceptance from there: bit k % 8 of byte position × stride + k / 8, for the SPLIT
 * numbered k. Undefined when instruction `start` cannot reach acceptance from `from`.
 */
function viableBranches(
  program: Program,
  uri: string,
  start: number,
  from: number,
  rows: Uint8Array,
  depth: number,
): Uint8Array | undefined {
  const { op, arg, next, text, first, takes, special, split } = program;
  const size = op.length;
  const length = uri.length;
  const stride = Math.max(1, Math.ceil(program.splits / 8));
  const preferred = new Uint8Array((length + 1) * stride);
  // Row (pos % depth) holds position pos; rows past the end stay all 0.
  rows.fill(0);
  let dead = 0;
  for (let pos = length; pos >= from; pos--) {
    const here = (pos % depth) * size;
    const later = ((pos + 1) % depth) * size;
    const char = pos < length ? uri.charCodeAt(pos) : -1;
    let alive = 0;
    // Non-consuming edges lead to higher indices, so this row's flags they read are final.
    // Instructions before `start` cannot be reached.
    for (let pc = size - 1; pc >= start; pc--) {
      let ok = 0;
      switch (op[pc]) {
        case LIT: {
          if (char !== first[pc]) break;
          const literal = text[pc] as string;
          // A comparison reads up to the literal's length: counted as such.
          stepCount += literal.length - 1;
          if (literal.length === 1 || uri.startsWith(literal, pos)) {
            ok = rows[((pos + literal.length) % depth) * size + (next[pc] as number)] as number;
          }
          break;
        }
        case CLASS:
          if (char < 128 ? char !== -1 && takes[pc * 128 + char] === 1 : !includes(text[pc] as string, char)) {
            ok = rows[later + (next[pc] as number)] as number;
          }
          break;
        case SPLIT: {
          const taken = rows[here + (next[pc] as number)] as number;
          if (taken !== 0) {
            const k = split[pc] as number;
            preferred[pos * stride + (k >> 3)] |= 1 << (k & 7);
          }
          ok = taken | (rows[here + (arg[pc] as number)] as number);
          break;
        }
        case SAVE:
          ok = rows[here + (next[pc] as number)] as number;
          break;
        default: // MATCH
          ok = char === -1 ? 1 : 0;
      }
      rows[here + pc] = ok;
      alive |= ok;
    }
    stepCount += size;
    if (
      pos > from &&
      pos < length &&
      isPlain(special, char) &&
      isPlain(special, uri.charCodeAt(pos - 1)) &&
      sameRow(rows, here, later, start, size)
    ) {
      // On a plain character a row is the same function of the next row. This one is plain
      // and equals the next, so it is a fixed point: the rows of the plain characters before
      // it equal it too. Copy them rather than evaluate them.
      let to = pos - 1;
      while (to > from && isPlain(special, uri.charCodeAt(to - 1))) to--;
      for (let at = pos - 1; at >= to; at--) {
        for (let b = 0; b < stride; b++) preferred[at * stride + b] = preferred[pos * stride + b] as number;
        // Only the rows a LIT can still look ahead to are needed.
        if (at < to + depth) rows.copyWithin((at % depth) * size, here, here + size);
      }
      stepCount += pos - to;
      pos = to;
    }
    // Positions from which nothing is reachable, as many as a LIT can jump over, cut off
    // every earlier one.
    dead = alive === 0 ? dead + 1 : 0;
    if (dead >= depth - 1) return undefined;
  }
  return rows[(from % depth) * size + start] === 1 ? preferred : undefined;
}

/** Follows the preferred path that succeeds, recording where each capture starts and ends. */
function walk(
  program: Program,
  uri: string,
  start: number,
  from: number,
  preferred: Uint8Array,
): UriVariables | undefined {
  const { op, arg, next, text, split } = program;
  const stride = Math.max(1, Math.ceil(program.splits / 8));
  const positions = new Int32Array(program.captures.length * 2);
  let pos = from;
  let steps = 0;
  for (let pc = start; op[pc] !== MATCH; steps++) {
    switch (op[pc]) {
      case LIT:
        pos += (text[pc] as string).length;
        pc = next[pc] as number;
        break;
      case CLASS:
        pos++;
        pc = next[pc] as number;
        break;
      case SPLIT: {
        const k = split[pc] as number;
        const taken = ((preferred[pos * stride + (k >> 3)] as number) >> (k & 7)) & 1;
        pc = taken === 1 ? (next[pc] as number) : (arg[pc] as number);
        break;
      }
      case SAVE:
        positions[arg[pc] as number] = pos;
        pc = next[pc] as number;
        break;
    }
  }
  stepCount += steps;
  const result: UriVariables = {};
  for (const { slot, read } of program.captures) {
    if (!read(uri.slice(positions[slot], positions[slot + 1]), result)) return undefined;
  }
  return result;
}

function isPlain(special: Uint8Array, char: number): boolean {
  return char < 128 && special[char] === 0;
}

function sameRow(rows: Uint8Array, a: number, b: number, start: number, size: number): boolean {
  for (let pc = start; pc < size; pc++) if (rows[a + pc] !== rows[b + pc]) return false;
  return true;
}

function includes(chars: string, code: number): boolean {
  for (let i = 0; i < chars.length; i++) if (chars.charCodeAt(i) === code) return true;
  return false;
}
