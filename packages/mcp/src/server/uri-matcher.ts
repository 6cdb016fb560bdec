import { CHAR, CLASS, compile, MATCH, type Program, SAVE, SPLIT } from './uri-matcher-program';
import type { Expression, UriVariables } from './uri-template-syntax';

/**
 * Matches URIs against a parsed template in time O(URI length × template size), without
 * backtracking (the regexes this replaced, with several `[^?#]*` runs, backtracked
 * polynomially and let one long resources/read URI stall a session), yet accepting exactly
 * the URIs those regexes accepted and binding the same values.
 *
 * The template is an NFA (uri-matcher-program.ts) simulated as a Pike VM: all threads advance
 * together one character at a time, kept in the order a backtracking regex would try them.
 * Two threads at the same instruction and position have the same future, so only the first
 * (higher priority) one is kept: at most one thread per instruction per character. The first
 * thread to accept at the end of the URI is the regex's leftmost, greedy split. Values are
 * decoded after the split is chosen; one that does not decode fails the match, as it did
 * after the regex matched.
 */
export interface Matcher {
  match(uri: string): UriVariables | undefined;
}

/** A thread's recorded capture positions, newest first; shared between forked threads. */
interface Saved {
  slot: number;
  pos: number;
  prev: Saved | undefined;
}

/** One step's threads, in priority order: each a consuming instruction and its captures. */
class Threads {
  readonly pc: Int32Array;
  readonly saved: (Saved | undefined)[];
  count = 0;

  constructor(size: number) {
    this.pc = new Int32Array(size);
    this.saved = new Array<Saved | undefined>(size).fill(undefined);
  }
}

let stepCount = 0;

/** Instructions visited by all matches so far; for tests asserting the work is linear. */
export function uriMatchSteps(): number {
  return stepCount;
}

export function buildMatcher(parts: readonly (string | Expression)[]): Matcher {
  const vm = new PikeVm(compile(parts));
  return { match: (uri) => vm.match(uri) };
}

/**
 * A program's simulation, with its scratch space allocated once. Not reentrant, which a
 * synchronous match never needs.
 */
class PikeVm {
  private readonly size: number;
  // Depth-first stack of (instruction, captures): each instruction is visited at most once
  // per position and pushes at most two successors.
  private readonly stackPc: Int32Array;
  private readonly stackSaved: (Saved | undefined)[];
  /** The position at which each instruction was last visited. */
  private readonly visited: Int32Array;
  private current: Threads;
  private upcoming: Threads;
  private uri = '';
  private steps = 0;

  constructor(private readonly program: Program) {
    this.size = program.op.length;
    this.stackPc = new Int32Array(2 * this.size + 1);
    this.stackSaved = new Array<Saved | undefined>(2 * this.size + 1);
    this.visited = new Int32Array(this.size);
    this.current = new Threads(this.size);
    this.upcoming = new Threads(this.size);
  }

  match(uri: string): UriVariables | undefined {
    const { next, skip } = this.program;
    const length = uri.length;
    this.uri = uri;
    this.steps = 0;
    this.visited.fill(-1);
    this.current.count = 0;
    this.follow(this.current, 0, undefined, 0);
    for (let pos = 0; pos < length && this.current.count > 0; pos++) {
      const quiet = quietChars(this.current, skip);
      if (quiet !== undefined) {
        // While the next character is one on which every thread stays in its loop, the
        // threads for it are these same ones.
        const from = pos;
        while (pos + 1 < length && !includes(quiet, uri.charCodeAt(pos + 1))) pos++;
        this.steps += pos - from;
      }
      const current = this.current;
      const upcoming = this.upcoming;
      upcoming.count = 0;
      for (let t = 0; t < current.count; t++) {
        this.follow(upcoming, next[current.pc[t] as number] as number, current.saved[t], pos + 1);
      }
      this.current = upcoming;
      this.upcoming = current;
    }
    stepCount += this.steps;
    this.uri = '';
    // At the end only an accepting thread survives `follow`, and there is one MATCH instruction.
    if (this.current.count === 0) return undefined;
    const winner = this.current.saved[0];
    this.current.saved.fill(undefined);
    this.upcoming.saved.fill(undefined);
    return read(this.program, uri, winner);
  }

  /**
   * Adds the threads reachable from `start` without consuming, depth first in priority order.
   * Only those that can take the character at `pos` (or accept, at the end) are kept.
   */
  private follow(into: Threads, start: number, from: Saved | undefined, pos: number): void {
    const { op, arg, next, stop } = this.program;
    const { stackPc, stackSaved, visited } = this;
    const char = pos < this.uri.length ? this.uri.charCodeAt(pos) : -1;
    let steps = 0;
    let top = 0;
    stackPc[0] = start;
    stackSaved[0] = from;
    while (top >= 0) {
      const pc = stackPc[top] as number;
      const saved = stackSaved[top];
      top--;
      steps++;
      if (visited[pc] === pos) continue;
      visited[pc] = pos;
      switch (op[pc]) {
        case CHAR:
          if (char === arg[pc]) push(into, pc, saved);
          break;
        case CLASS:
          if (char !== -1 && !includes(stop[pc] as string, char)) push(into, pc, saved);
          break;
        case SPLIT:
          stackPc[++top] = arg[pc] as number;
          stackSaved[top] = saved;
          stackPc[++top] = next[pc] as number;
          stackSaved[top] = saved;
          break;
        case SAVE: {
          // Most exits from a run meet a literal that is not there: allocate only if it is.
          const to = next[pc] as number;
          if (op[to] === CHAR && arg[to] !== char) break;
          stackPc[++top] = to;
          stackSaved[top] = { slot: arg[pc] as number, pos, prev: saved };
          break;
        }
        case MATCH:
          if (char === -1) push(into, pc, saved);
          break;
      }
    }
    this.steps += steps;
  }
}

/** The characters that change anything for `threads`, when all of them are skippable loops. */
function quietChars(threads: Threads, skip: readonly (string | undefined)[]): string | undefined {
  let chars = '';
  for (let t = 0; t < threads.count; t++) {
    const own = skip[threads.pc[t] as number];
    if (own === undefined) return undefined;
    chars += own;
  }
  return chars;
}

function push(into: Threads, pc: number, saved: Saved | undefined): void {
  into.pc[into.count] = pc;
  into.saved[into.count] = saved;
  into.count++;
}

function includes(chars: string, code: number): boolean {
  for (let i = 0; i < chars.length; i++) if (chars.charCodeAt(i) === code) return true;
  return false;
}

/** Decodes the winning thread's captures, in template order. */
function read(program: Program, uri: string, last: Saved | undefined): UriVariables | undefined {
  const positions = new Int32Array(program.captures.length * 2).fill(-1);
  for (let s = last; s !== undefined; s = s.prev) if (positions[s.slot] === -1) positions[s.slot] = s.pos;
  const result: UriVariables = {};
  for (const { slot, read: decode } of program.captures) {
    if (!decode(uri.slice(positions[slot], positions[slot + 1]), result)) return undefined;
  }
  return result;
}
