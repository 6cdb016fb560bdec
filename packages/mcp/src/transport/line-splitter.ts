import { FrameTooLargeError } from '../jsonrpc/errors';

export interface LineSplitterOptions {
  /** Longest accepted line in bytes, without its newline. */
  maxLineBytes: number;
  onLine(line: string): void;
  /** An oversize line was skipped whole; the lines after it are still delivered. */
  onOversize(error: FrameTooLargeError): void;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into newline-delimited frames. Works on bytes, not strings: 0x0A never
 * occurs inside a UTF-8 multi-byte sequence, so a character split across chunks stays intact.
 * Memory is bounded by maxLineBytes: an oversize line is dropped as it streams in, not buffered.
 */
export class LineSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of the current line while it is being skipped; -1 when not skipping. */
  private skipped = -1;

  constructor(private readonly options: LineSplitterOptions) {}

  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.append(bytes.subarray(start));
        return;
      }
      this.append(bytes.subarray(start, newline));
      this.finishLine();
      start = newline + 1;
    }
  }

  /** End of stream: a last line without a newline still counts. */
  end(): void {
    if (this.buffered > 0 || this.skipped >= 0) this.finishLine();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.skipped >= 0) {
      this.skipped += part.length;
      return;
    }
    if (this.buffered + part.length > this.options.maxLineBytes) {
      this.skipped = this.buffered + part.length;
      this.chunks = [];
      this.buffered = 0;
      return;
    }
    // Copy: keeping a view would pin the whole (possibly large) chunk it came from.
    this.chunks.push(Buffer.from(part));
    this.buffered += part.length;
  }

  private finishLine(): void {
    if (this.skipped >= 0) {
      const size = this.skipped;
      this.skipped = -1;
      this.options.onOversize(new FrameTooLargeError(size, this.options.maxLineBytes));
      return;
    }
    let line = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    const text = line.toString('utf8');
    // Blank lines carry no message; skipping them keeps hand-typed sessions friendly.
    if (text.trim() !== '') this.options.onLine(text);
  }
}
