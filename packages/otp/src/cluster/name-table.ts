import { Mutex, ThreadRegistry, type ThreadRegistryHandle } from '@erlmcp/shm';
import { BadArgError, OtpError } from '../errors';

/**
 * The node's registry of names, in a SharedArrayBuffer: every scheduler
 * thread registers and resolves names synchronously and atomically, as
 * register/2 and whereis/1 are on one BEAM node. An open-addressing hash
 * table under a robust mutex (a thread that dies holding it cannot wedge it).
 *
 * Slot layout (SLOT_BYTES): state i32 (USED/TOMBSTONE in the low byte, the
 * name's length above it), hash i32, pid id f64, name bytes (UTF-8, at most
 * MAX_NAME_BYTES).
 */
const EMPTY = 0;
const USED = 1;
const TOMBSTONE = 2;
const HEADER_BYTES = 64; // mutex words, count
const COUNT = Mutex.WORDS; // i32 index of the live-name count
export const MAX_NAME_BYTES = 112;
const SLOT_BYTES = 128;
const NAME_OFFSET = 16;

export class RegistryFullError extends OtpError {
  constructor(readonly capacity: number) {
    super('system_limit', `the name registry is full (${capacity} names)`);
  }
}

export interface NameTableHandle {
  buffer: SharedArrayBuffer;
  registry?: ThreadRegistryHandle;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class NameTable {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly view: DataView;
  private readonly slots: number;
  private readonly mutex: Mutex;

  static create(capacity: number, registry?: ThreadRegistry): NameTable {
    let slots = 16;
    while (slots < capacity / 0.7) slots *= 2;
    return new NameTable({
      buffer: new SharedArrayBuffer(HEADER_BYTES + slots * SLOT_BYTES),
      registry: registry?.handle(),
    });
  }

  constructor(readonly handle: NameTableHandle) {
    this.i32 = new Int32Array(handle.buffer);
    this.u8 = new Uint8Array(handle.buffer);
    this.view = new DataView(handle.buffer);
    this.slots = (handle.buffer.byteLength - HEADER_BYTES) / SLOT_BYTES;
    this.mutex = new Mutex(this.i32, 0, {
      registry: handle.registry ? ThreadRegistry.attach(handle.registry) : undefined,
    });
  }

  get size(): number {
    return Atomics.load(this.i32, COUNT);
  }

  /** Inserts name -> pid id; false if the name is taken. */
  register(name: string, pid: number): boolean {
    const bytes = this.encode(name);
    const hash = fnv1a(bytes);
    return this.locked(() => {
      const found = this.find(bytes, hash);
      if (found.slot >= 0) return false;
      if (this.size >= Math.floor(this.slots * 0.7)) throw new RegistryFullError(Math.floor(this.slots * 0.7));
      const base = HEADER_BYTES + found.free * SLOT_BYTES;
      this.view.setInt32(base + 4, hash, true);
      this.view.setFloat64(base + 8, pid, true);
      this.u8.set(bytes, base + NAME_OFFSET);
      // Published last: the state word carries USED and the name's length.
      Atomics.store(this.i32, base / 4, USED | (bytes.length << 8));
      Atomics.add(this.i32, COUNT, 1);
      return true;
    });
  }

  /** Removes the name; with `onlyPid`, only if it still maps to that pid. Returns the pid it mapped to. */
  unregister(name: string, onlyPid?: number): number | undefined {
    const bytes = this.encode(name);
    const hash = fnv1a(bytes);
    return this.locked(() => {
      const { slot } = this.find(bytes, hash);
      if (slot < 0) return undefined;
      const base = HEADER_BYTES + slot * SLOT_BYTES;
      const pid = this.view.getFloat64(base + 8, true);
      if (onlyPid !== undefined && pid !== onlyPid) return undefined;
      Atomics.store(this.i32, base / 4, TOMBSTONE);
      Atomics.sub(this.i32, COUNT, 1);
      return pid;
    });
  }

  whereis(name: string): number | undefined {
    const bytes = this.encode(name);
    const hash = fnv1a(bytes);
    return this.locked(() => {
      const { slot } = this.find(bytes, hash);
      return slot < 0 ? undefined : this.view.getFloat64(HEADER_BYTES + slot * SLOT_BYTES + 8, true);
    });
  }

  /** Every (name, pid id) pair. */
  entries(): [string, number][] {
    return this.locked(() => {
      const out: [string, number][] = [];
      for (let slot = 0; slot < this.slots; slot++) {
        const base = HEADER_BYTES + slot * SLOT_BYTES;
        const word = Atomics.load(this.i32, base / 4);
        if ((word & 0xff) !== USED) continue;
        out.push([this.nameAt(base, word >>> 8), this.view.getFloat64(base + 8, true)]);
      }
      return out;
    });
  }

  /** Drops every name whose pid satisfies `match` (a scheduler that died); returns how many. */
  removeWhere(match: (pid: number) => boolean): number {
    return this.locked(() => {
      let removed = 0;
      for (let slot = 0; slot < this.slots; slot++) {
        const base = HEADER_BYTES + slot * SLOT_BYTES;
        if ((Atomics.load(this.i32, base / 4) & 0xff) !== USED) continue;
        if (!match(this.view.getFloat64(base + 8, true))) continue;
        Atomics.store(this.i32, base / 4, TOMBSTONE);
        Atomics.sub(this.i32, COUNT, 1);
        removed++;
      }
      return removed;
    });
  }

  private locked<T>(fn: () => T): T {
    this.mutex.lockSpin();
    try {
      // A holder that died mid-update left at most one slot half-written; slots are
      // published by their state word last, so the table is consistent as it stands.
      if (this.mutex.inconsistent) this.mutex.markConsistent();
      return fn();
    } finally {
      this.mutex.unlock();
    }
  }

  private encode(name: string): Uint8Array {
    if (typeof name !== 'string' || name.length === 0)
      throw new BadArgError('a registered name must be a non-empty string');
    const bytes = encoder.encode(name);
    if (bytes.length > MAX_NAME_BYTES)
      throw new BadArgError(`a registered name may be at most ${MAX_NAME_BYTES} bytes of UTF-8`);
    return bytes;
  }

  private nameAt(base: number, length: number): string {
    return decoder.decode(this.u8.slice(base + NAME_OFFSET, base + NAME_OFFSET + length));
  }

  /** The slot holding `bytes`, and the first reusable slot on its probe path. */
  private find(bytes: Uint8Array, hash: number): { slot: number; free: number } {
    let free = -1;
    for (let i = 0, slot = hash & (this.slots - 1); i < this.slots; i++, slot = (slot + 1) & (this.slots - 1)) {
      const base = HEADER_BYTES + slot * SLOT_BYTES;
      const word = Atomics.load(this.i32, base / 4);
      const state = word & 0xff;
      if (state === EMPTY) return { slot: -1, free: free < 0 ? slot : free };
      if (state === TOMBSTONE) {
        if (free < 0) free = slot;
        continue;
      }
      if (this.view.getInt32(base + 4, true) !== hash || word >>> 8 !== bytes.length) continue;
      let same = true;
      for (let k = 0; k < bytes.length; k++) {
        if (this.u8[base + NAME_OFFSET + k] !== bytes[k]) {
          same = false;
          break;
        }
      }
      if (same) return { slot, free };
    }
    return { slot: -1, free };
  }
}
