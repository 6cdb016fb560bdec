/**
 * What every part of a table's engine shares, seen from one thread: the
 * control words, this thread's views of the arena, the stripes, the tuple
 * codec, and the small helpers both reads and writes use (which stripe a hash
 * picks, where a record's key ends, decoding a record under its stripe's
 * lock, locking several stripes, running out of room).
 *
 * The engine sits under `Table` (table.ts) as erl_db_hash and erl_db_tree sit
 * under ets.erl: the table checks access and arguments, the engine works on
 * shared memory and trusts its caller.
 */
import type { Arena, ThreadRegistry } from '@erlmcp/shm';
import { TableFullError } from '../errors';
import { skipKey } from '../key-codec';
import {
  FLAG_MASK,
  H_KEYPOS,
  H_MAX_BYTES,
  H_STRIPES,
  H_TYPE,
  RECORD_HEADER,
  R_LINK,
  TUPLE,
  stripeBase,
} from '../layout';
import { TableMemory } from '../memory';
import type { Replayer } from '../repair';
import { Stripe } from '../stripe';
import { TupleCodec } from '../tuple-codec';
import type { Tuple } from '../types';

/** @internal Type codes in H_TYPE (layout.ts TYPES). */
export const ORDERED_SET = 1;
/** @internal */
export const BAG = 2;

/** @internal */
export class TableCore<T extends Tuple = Tuple> {
  readonly ctl: Int32Array;
  readonly mem: TableMemory;
  readonly stripes: Stripe[];
  readonly typeCode: number;
  /** bag or duplicate_bag: records of one key chain through R_LINK. */
  readonly bag: boolean;
  readonly ordered: boolean;
  readonly keyPos: number;
  /** keyPos - 1, the key's index in a tuple. */
  readonly kp: number;
  /** This thread's key and tuple encoder (its buffers hold the last key encoded). */
  readonly codec: TupleCodec;
  private readonly shift: number;

  constructor(
    control: SharedArrayBuffer,
    arena: Arena,
    readonly name: string,
    registry: ThreadRegistry | undefined,
    replayer: Replayer,
  ) {
    const ctl = (this.ctl = new Int32Array(control));
    this.typeCode = ctl[H_TYPE]!;
    this.bag = this.typeCode >= BAG;
    this.ordered = this.typeCode === ORDERED_SET;
    this.keyPos = ctl[H_KEYPOS]!;
    this.kp = this.keyPos - 1;
    this.mem = new TableMemory(arena);
    const n = ctl[H_STRIPES]!;
    this.shift = n === 1 ? 0 : 32 - Math.log2(n);
    this.stripes = Array.from(
      { length: n },
      (_, s) => new Stripe(ctl, stripeBase(s), this.mem, this.ordered, this.bag, registry, replayer),
    );
    this.codec = new TupleCodec(this.keyPos);
  }

  /** The stripe number a key hash picks (its top bits). */
  stripeNumberOf(h: number): number {
    return this.shift === 0 ? 0 : h >>> this.shift;
  }

  stripeOf(h: number): Stripe {
    return this.stripes[this.shift === 0 ? 0 : h >>> this.shift]!;
  }

  /** End of the key encoding of the record at `off` (stripe locked). */
  keyEndOf(off: number): number {
    const end = skipKey(this.mem.u8, off + RECORD_HEADER, off + (this.mem.i32[off >> 2]! & ~FLAG_MASK));
    if (end < 0) throw new RangeError(`table ${this.name}: corrupt key at ${off}`);
    return end;
  }

  /** A copy of the key encoding of the record at `off` (stripe locked). */
  keyBytesOf(off: number): Uint8Array {
    return this.mem.u8.slice(off + RECORD_HEADER, this.keyEndOf(off));
  }

  /** Decodes the record at `off` (stripe locked). */
  decodeAt(off: number): T {
    const mem = this.mem;
    const i32 = mem.i32;
    const w0 = i32[off >> 2]!;
    const end = off + (w0 & ~FLAG_MASK) - (i32[(off >> 2) + R_LINK]! & FLAG_MASK);
    const keyEnd = this.keyEndOf(off);
    return this.codec.decode(mem.buf, keyEnd, end, (w0 & TUPLE) !== 0, mem.u8, off + RECORD_HEADER) as T;
  }

  /** Makes room in the stripe's index (and order) for `n` more keys; TableFullError if it cannot. */
  reserve(stripe: Stripe, n: number): void {
    if (!stripe.index.reserve(n) || (stripe.order !== null && !stripe.order.reserve(n))) this.full();
  }

  full(cause?: unknown): never {
    throw new TableFullError(this.name, this.ctl[H_MAX_BYTES]!, cause);
  }

  /** Write-locks `stripes` (in stripe order, so two multi-stripe writers cannot deadlock). */
  lockAll(stripes: readonly Stripe[]): void {
    let n = 0;
    try {
      for (; n < stripes.length; n++) stripes[n]!.writeLock();
    } catch (error) {
      while (n-- > 0) stripes[n]!.writeUnlock();
      throw error;
    }
  }

  unlockAll(stripes: readonly Stripe[]): void {
    for (let i = stripes.length - 1; i >= 0; i--) stripes[i]!.writeUnlock();
  }
}
