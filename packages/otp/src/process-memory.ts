/**
 * A process's memory, in the sense of erlang:process_info(Pid, memory): the bytes of the data
 * it holds, its state and the messages in its mailbox. V8 keeps one heap for the thread and
 * cannot say which process owns an object, so this walks the process's own values and adds up
 * what V8 stores for each: a string's characters (1 byte each when Latin-1, else 2), 8 bytes a
 * number, a bigint's 64-bit digits, a typed array's or ArrayBuffer's bytes (a SharedArrayBuffer
 * counts as the reference it is: its bytes belong to the whole node), and per object or array
 * a header and 8 bytes a slot. An object reached twice counts once. Processes, event emitters
 * (sockets, streams) and promises count as references and are not entered; an object the
 * process shares with others (a server definition) counts in each process that reaches it. The walk stops after
 * MEMORY_WALK_LIMIT values, so asking is bounded for a process holding a large graph; the
 * result then says it is a lower bound.
 */
import type { Process } from './process';

/** Values visited at most for one process. */
export const MEMORY_WALK_LIMIT = 100_000;

/** V8's object header (map, properties, elements), bytes. */
const HEADER = 24;
const SLOT = 8;

export interface ProcessMemory {
  /** Bytes of the process's state and mailbox, as counted here. */
  bytes: number;
  /** True when the walk stopped at MEMORY_WALK_LIMIT values: the bytes are a lower bound. */
  truncated: boolean;
}

function isLatin1(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\u0000-\u00ff]/.test(s);
}

/**
 * What the walk counts as a reference and does not enter: processes (a ctx held in a state),
 * event emitters (sockets, streams, servers, buses) and promises. Through them a state
 * reaches the node and every other process, whose memory is not this one's.
 */
function isResource(value: object): boolean {
  if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) return true;
  const v = value as { on?: unknown; emit?: unknown; self?: unknown; node?: unknown };
  if (typeof v.on === 'function' && typeof v.emit === 'function') return true;
  // A Process (or anything shaped like one): its own pid and its node.
  return v.self !== undefined && v.node !== undefined;
}

/** Counts the bytes of `roots` and everything they reach. */
export function memoryOf(roots: readonly unknown[]): ProcessMemory {
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  let bytes = 0;
  let visited = 0;
  while (stack.length > 0) {
    if (++visited > MEMORY_WALK_LIMIT) return { bytes, truncated: true };
    const value = stack.pop();
    switch (typeof value) {
      case 'string':
        bytes += 16 + value.length * (isLatin1(value) ? 1 : 2);
        continue;
      case 'number':
        bytes += SLOT;
        continue;
      case 'bigint':
        bytes += 16 + Math.ceil(value.toString(16).length / 16) * 8;
        continue;
      case 'object':
      case 'function':
        break;
      default:
        continue; // booleans, undefined, symbols: no storage of their own
    }
    if (value === null || seen.has(value)) continue;
    seen.add(value);
    // A function's closure is code the module owns, shared by every process that holds it.
    if (typeof value === 'function') {
      bytes += HEADER;
      continue;
    }
    if (ArrayBuffer.isView(value)) {
      bytes += HEADER + (value.buffer instanceof ArrayBuffer ? value.byteLength : 0);
      continue;
    }
    if (value instanceof ArrayBuffer) {
      bytes += HEADER + value.byteLength;
      continue;
    }
    if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) {
      bytes += HEADER;
      continue;
    }
    if (value instanceof Map) {
      bytes += HEADER + value.size * 3 * SLOT;
      for (const [k, v] of value) stack.push(k, v);
      continue;
    }
    if (value instanceof Set) {
      bytes += HEADER + value.size * 2 * SLOT;
      for (const v of value) stack.push(v);
      continue;
    }
    if (Array.isArray(value)) {
      bytes += HEADER + value.length * SLOT;
      for (const v of value) stack.push(v);
      continue;
    }
    if (isResource(value)) {
      bytes += HEADER;
      continue;
    }
    const keys = Object.keys(value);
    bytes += HEADER + keys.length * SLOT;
    for (const key of keys) {
      try {
        stack.push((value as Record<string, unknown>)[key]);
      } catch {
        // an own getter that throws: nothing stored to count
      }
    }
  }
  return { bytes, truncated: false };
}

/** The memory of a process: its behaviour's `state` field (when it has one) and its mailbox. */
export function processMemory(process: Process): ProcessMemory {
  const roots: unknown[] = [];
  // GenServer keeps its state in a `state` field (a gen_statem's machine holds its state and data
  // there); a behaviour of the user's with such a field is counted the same way.
  const state = (process.behaviour as { state?: unknown } | null)?.state;
  if (state !== undefined) roots.push(state);
  const mailbox = process.mailbox;
  let slots = 0;
  if (mailbox !== null) {
    for (let i = 0; i < mailbox.length; i++) roots.push(mailbox.at(i));
    slots = HEADER + mailbox.capacity * SLOT;
  }
  const counted = memoryOf(roots);
  return { bytes: counted.bytes + slots, truncated: counted.truncated };
}
