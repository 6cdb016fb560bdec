import type { Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_FRAME_BYTES, encodePayload } from '../jsonrpc/codec';
import type { JsonRpcError } from '../jsonrpc/errors';
import type { JsonRpcPayload } from '../jsonrpc/types';
import { ConnectionClosedError } from '../protocol/errors';
import {
  type BackpressureLimits,
  backpressureLimits,
  type BackpressureOptions,
  OutboundOverflowError,
} from './backpressure';
import { LineSplitter } from './line-splitter';

/** What a transport feeds: both ServerSession and ClientSession are endpoints. */
export interface FrameEndpoint {
  receiveText(text: string): void;
  receiveFrameError(error: JsonRpcError): void;
  /** Resolves when requests already received have been answered. */
  drain(): Promise<void>;
  close(): void;
}

export interface NdjsonTransportOptions extends BackpressureOptions {
  /** Defaults to the codec's frame limit. */
  maxLineBytes?: number;
  /** End the writable side on close (false for process.stdout, which outlives the session). */
  endOnClose?: boolean;
  onError?: (error: Error) => void;
}

/**
 * Newline-delimited JSON over a pair of Node streams: stdio pipes, a TCP socket, anything.
 * `send` is what a session is given; `attach` starts delivering lines to the session.
 *
 * Backpressure: when more than `outboundHighWaterBytes` wait unread in the writable, the
 * transport stops reading (lines already split from the last chunk wait, in order) until
 * the writable drains; past `maxOutboundBytes` it closes, with an {@link OutboundOverflowError}
 * as its `closeReason` and through `onError`.
 */
export class NdjsonTransport {
  private endpoint: FrameEndpoint | undefined;
  private closed = false;
  private ending = false;
  /** End of input seen while lines still waited for the writable to drain. */
  private endDeferred = false;
  private paused = false;
  /** Lines (or oversize-line errors) read but held back while paused; made when first needed. */
  private held: (string | JsonRpcError)[] | undefined;
  private reason: Error | undefined;
  private readonly limits: BackpressureLimits;
  private readonly splitter: LineSplitter;
  private readonly closeListeners = new Set<() => void>();
  private readonly detach: () => void;

  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly options: NdjsonTransportOptions = {},
  ) {
    this.limits = backpressureLimits(options);
    this.splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_FRAME_BYTES,
      onLine: (line) => {
        if (this.paused || this.held !== undefined) this.hold(line);
        else this.endpoint?.receiveText(line);
      },
      onOversize: (error) => {
        if (this.paused || this.held !== undefined) this.hold(error);
        else this.endpoint?.receiveFrameError(error);
      },
    });
    const onData = (chunk: Buffer | string): void => this.splitter.push(chunk);
    // End of input (stdin EOF, a TCP half-close) still lets requests already read be answered.
    const onEnd = (): void => {
      if (this.ending || this.closed) return;
      this.ending = true;
      this.splitter.end();
      if (this.held !== undefined) this.endDeferred = true;
      else this.finishInput();
    };
    const onGone = (): void => this.close();
    const onError = (error: Error): void => {
      this.options.onError?.(error);
      this.close();
    };
    // Until attach(), data waits in the paused readable rather than being lost.
    readable.pause();
    readable.on('data', onData);
    readable.on('end', onEnd);
    readable.on('error', onError);
    writable.on('error', onError);
    // The peer can no longer read what we write: nothing left worth finishing.
    writable.on('close', onGone);
    this.detach = () => {
      readable.off('data', onData);
      readable.off('end', onEnd);
      readable.off('error', onError);
      writable.off('error', onError);
      writable.off('close', onGone);
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Outbound bytes written but not yet taken by the peer (the writable's buffer). */
  get bufferedBytes(): number {
    return this.writable.writableLength;
  }

  /** True while reading is stopped because the peer is not taking what it is sent. */
  get readingPaused(): boolean {
    return this.paused;
  }

  /** Why the transport closed itself (an {@link OutboundOverflowError}); undefined otherwise. */
  get closeReason(): Error | undefined {
    return this.reason;
  }

  /** Hand this to a session as its `send`. */
  readonly send = (payload: JsonRpcPayload): void => {
    if (this.closed || this.writable.destroyed || this.writable.writableEnded) throw new ConnectionClosedError();
    this.writeLine(encodePayload(payload));
  };

  /** Writes one encoded message as a line, minding the backpressure limits; a no-op once closed. */
  writeLine(text: string): void {
    if (this.closed) return;
    // write() says true while the buffer is under the stream's high-water mark: the common case.
    if (this.writable.write(`${text}\n`)) return;
    const buffered = this.writable.writableLength;
    if (buffered > this.limits.max) this.overflow(buffered);
    else if (buffered > this.limits.highWater && !this.paused) this.pauseReading();
  }

  /** Writes several encoded messages, each its own line, in one write of the writable. */
  writeLines(texts: readonly string[]): void {
    if (texts.length > 0) this.writeLine(texts.join('\n'));
  }

  attach(endpoint: FrameEndpoint): void {
    this.endpoint = endpoint;
    if (!this.closed && !this.paused) this.readable.resume();
  }

  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  /** Stops reading, closes the attached session, and ends the writable side if configured to. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = undefined;
    this.writable.off('drain', this.onDrain);
    this.detach();
    // A late EPIPE/ECONNRESET on a stream we are done with must not become an uncaught exception.
    this.readable.on('error', ignore);
    this.writable.on('error', ignore);
    this.readable.pause();
    if (this.options.endOnClose ?? true) this.writable.end();
    this.endpoint?.close();
    for (const listener of [...this.closeListeners]) listener();
    this.closeListeners.clear();
  }

  private finishInput(): void {
    const drained = this.endpoint ? this.endpoint.drain() : Promise.resolve();
    drained.then(
      () => this.close(),
      () => this.close(),
    );
  }

  private hold(item: string | JsonRpcError): void {
    (this.held ??= []).push(item);
  }

  private pauseReading(): void {
    this.paused = true;
    this.readable.pause();
    // write() returned false, so the writable emits 'drain' once its buffer is empty.
    this.writable.once('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    if (this.closed) return;
    this.paused = false;
    // Lines held back go first, in order; any of them may fill the buffer again.
    const held = this.held;
    if (held !== undefined) {
      let next = 0;
      while (next < held.length && !this.paused && !this.closed) {
        const item = held[next++];
        if (typeof item === 'string') this.endpoint?.receiveText(item);
        else this.endpoint?.receiveFrameError(item);
      }
      if (this.closed) return;
      if (next < held.length) {
        this.held = held.slice(next);
        return;
      }
      this.held = undefined;
    }
    if (this.paused) return;
    if (this.endDeferred) {
      this.endDeferred = false;
      this.finishInput();
    } else if (this.endpoint !== undefined) this.readable.resume();
  };

  /** The peer left more than the hard limit unread: give up on it, and free the buffer. */
  private overflow(buffered: number): void {
    const error = new OutboundOverflowError(buffered, this.limits.max);
    this.reason = error;
    this.options.onError?.(error);
    this.close();
    if (this.options.endOnClose ?? true) this.writable.destroy();
  }
}

function ignore(): void {}
