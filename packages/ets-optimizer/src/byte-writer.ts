/**
 * A growable byte buffer with the varints and floats the cold codec writes,
 * and the matching reader. Varints are LEB128 over non-negative safe
 * integers (arithmetic, not 32-bit shifts, past 2^31).
 */
export class ByteWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  float64(x: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  /** A string's UTF-8 bytes preceded by their length. */
  utf8(s: string): void {
    const max = s.length * 3;
    this.ensure(max + 5);
    // Length first, as a 1- to 3-byte varint of the worst case, patched after the write.
    const at = this.pos;
    this.pos += max < 0x80 ? 1 : max < 0x4000 ? 2 : 3;
    const n = this.buf.write(s, this.pos, 'utf8');
    const width = this.pos - at;
    if (width === 1) this.buf[at] = n;
    else if (width === 2) {
      this.buf[at] = (n & 0x7f) | 0x80;
      this.buf[at + 1] = n >>> 7;
    } else {
      this.buf[at] = (n & 0x7f) | 0x80;
      this.buf[at + 1] = ((n >>> 7) & 0x7f) | 0x80;
      this.buf[at + 2] = n >>> 14;
    }
    this.pos += n;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written. */
  take(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }
}

export class ByteReader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('cold record: truncated');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  float64(): number {
    const x = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return x;
  }

  utf8(): string {
    const n = this.varint();
    const end = this.pos + n;
    if (end > this.buf.length) throw new RangeError('cold record: truncated');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }
}
