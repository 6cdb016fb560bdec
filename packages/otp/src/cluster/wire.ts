import type { Codec } from './codec';

/**
 * The records schedulers send each other. A ring frame is a batch: the
 * sender's scheduler id, then records back to back. Ids (pids, refs) are
 * float64 so they never wrap in a long-lived node.
 */
export const enum Op {
  /** tag u8, target id, payload */
  Send = 1,
  /** target id, call ref, request */
  Call = 2,
  /** call ref, reply */
  Reply = 3,
  /** call ref, noproc u8, reason */
  CallFail = 4,
  /** from id, to id */
  Link = 5,
  Unlink = 6,
  /** from id, to id, viaLink u8, reason */
  Exit = 7,
  /** ref, watcher id, target id */
  Monitor = 8,
  /** ref, target id */
  Demonitor = 9,
  /** ref, watcher id, target id, reason */
  Down = 10,
  /** request ref, spawn request */
  Spawn = 11,
  /** request ref, result */
  Spawned = 12,
  /** target id, name */
  Named = 13,
  /** scheduler u8 */
  SchedulerDown = 14,
  /** request ref, timer ref id */
  CancelTimer = 15,
  /** request ref, milliseconds left or false */
  TimerCancelled = 16,
  /** Worker to scheduler 0 of a distributed node: destination node id, a frame for it (distribution/relay.ts). */
  DistOut = 17,
  /** Scheduler 0 to a worker: a frame another node sent it. */
  DistIn = 18,
  /** Scheduler 0 to a worker: a DistControl (attach, node up or down, detach). */
  DistControl = 19,
}

const enum Kind {
  Undefined = 0,
  Int32 = 1,
  Float64 = 2,
  True = 3,
  False = 4,
  Null = 5,
  String = 6,
  Packed = 7,
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Appends records to a growable buffer. Values that are not plain primitives go through msgpackr. */
export class BatchWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  pos = 0;
  records = 0;

  constructor(private readonly codec: Codec) {}

  begin(source: number): void {
    this.pos = 0;
    this.records = 0;
    this.u8(source);
  }

  get empty(): boolean {
    return this.records === 0;
  }

  /** The batch's bytes; valid until the next begin(). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  op(op: Op): void {
    this.records++;
    // Room for the op, a tag, an id and a small value at once: one bounds check for most records.
    this.ensure(32);
    this.buf[this.pos++] = op;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  id(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  value(value: unknown): void {
    switch (typeof value) {
      case 'number':
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.ensure(5);
          this.buf[this.pos] = Kind.Int32;
          this.view.setInt32(this.pos + 1, value, true);
          this.pos += 5;
        } else {
          this.ensure(9);
          this.buf[this.pos] = Kind.Float64;
          this.view.setFloat64(this.pos + 1, value, true);
          this.pos += 9;
        }
        return;
      case 'boolean':
        return this.u8(value ? Kind.True : Kind.False);
      case 'undefined':
        return this.u8(Kind.Undefined);
      case 'string': {
        this.ensure(5 + value.length * 3);
        const { written } = utf8.encodeInto(value, this.buf.subarray(this.pos + 5));
        this.buf[this.pos] = Kind.String;
        this.view.setUint32(this.pos + 1, written, true);
        this.pos += 5 + written;
        return;
      }
      default: {
        if (value === null) return this.u8(Kind.Null);
        // Encode before reserving: a value that cannot be sent throws here and leaves the batch as it was.
        const packed = this.codec.encode(value);
        this.ensure(5 + packed.length);
        this.buf[this.pos] = Kind.Packed;
        this.view.setUint32(this.pos + 1, packed.length, true);
        this.buf.set(packed, this.pos + 5);
        this.pos += 5 + packed.length;
      }
    }
  }

  /** Writes one record; if its payload cannot be encoded, the batch is left as it was and the error thrown. */
  record(write: (w: BatchWriter) => void): void {
    const pos = this.pos;
    const records = this.records;
    try {
      write(this);
    } catch (error) {
      this.rewind(pos, records);
      throw error;
    }
  }

  /**
   * A Send record, written inline (the hot path of every send and cast between schedulers
   * and between nodes: no closure per record); a message that cannot be encoded leaves the
   * batch as it was and throws.
   */
  send(tag: number, target: number, message: unknown): void {
    const pos = this.pos;
    const records = this.records;
    this.op(Op.Send);
    this.u8(tag);
    this.id(target);
    try {
      this.value(message);
    } catch (error) {
      this.rewind(pos, records);
      throw error;
    }
  }

  /** Drops a partly written record (its payload could not be encoded). */
  rewind(pos: number, records: number): void {
    this.pos = pos;
    this.records = records;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** Reads the records of one frame, in order. */
export class BatchReader {
  private view: DataView;
  private pos = 0;

  constructor(
    private readonly frame: Uint8Array,
    private readonly codec: Codec,
  ) {
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  }

  /** Where the next record starts; a frame parked mid-way resumes from here. */
  get position(): number {
    return this.pos;
  }

  seek(position: number): void {
    this.pos = position;
  }

  get done(): boolean {
    return this.pos >= this.frame.length;
  }

  u8(): number {
    return this.frame[this.pos++]!;
  }

  id(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  value(): unknown {
    const kind = this.frame[this.pos++] as Kind;
    switch (kind) {
      case Kind.Int32: {
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case Kind.Float64: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case Kind.True:
        return true;
      case Kind.False:
        return false;
      case Kind.Null:
        return null;
      case Kind.Undefined:
        return undefined;
      case Kind.String: {
        const n = this.view.getUint32(this.pos, true);
        const s = utf8Decoder.decode(this.frame.subarray(this.pos + 4, this.pos + 4 + n));
        this.pos += 4 + n;
        return s;
      }
      case Kind.Packed: {
        const n = this.view.getUint32(this.pos, true);
        const v = this.codec.decode(this.frame.subarray(this.pos + 4, this.pos + 4 + n));
        this.pos += 4 + n;
        return v;
      }
      default:
        throw new Error(`corrupt frame: unknown value kind ${String(kind)}`);
    }
  }
}
