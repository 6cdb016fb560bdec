import type { Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_FRAME_BYTES, encodePayload } from '../jsonrpc/codec';
import type { JsonRpcError } from '../jsonrpc/errors';
import type { JsonRpcPayload } from '../jsonrpc/types';
import { ConnectionClosedError } from '../protocol/errors';
import { LineSplitter } from './line-splitter';

/** What a transport feeds: both ServerSession and ClientSession are endpoints. */
export interface FrameEndpoint {
  receiveText(text: string): void;
  receiveFrameError(error: JsonRpcError): void;
  /** Resolves when requests already received have been answered. */
  drain(): Promise<void>;
  close(): void;
}

export interface NdjsonTransportOptions {
  /** Defaults to the codec's frame limit. */
  maxLineBytes?: number;
  /** End the writable side on close (false for process.stdout, which outlives the session). */
  endOnClose?: boolean;
  onError?: (error: Error) => void;
}

/**
 * Newline-delimited JSON over a pair of Node streams: stdio pipes, a TCP socket, anything.
 * `send` is what a session is given; `attach` starts delivering lines to the session.
 */
export class NdjsonTransport {
  private endpoint: FrameEndpoint | undefined;
  private closed = false;
  private ending = false;
  private readonly splitter: LineSplitter;
  private readonly closeListeners = new Set<() => void>();
  private readonly detach: () => void;

  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly options: NdjsonTransportOptions = {},
  ) {
    this.splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_FRAME_BYTES,
      onLine: (line) => this.endpoint?.receiveText(line),
      onOversize: (error) => this.endpoint?.receiveFrameError(error),
    });
    const onData = (chunk: Buffer | string): void => this.splitter.push(chunk);
    // End of input (stdin EOF, a TCP half-close) still lets requests already read be answered.
    const onEnd = (): void => {
      if (this.ending || this.closed) return;
      this.ending = true;
      this.splitter.end();
      const drained = this.endpoint ? this.endpoint.drain() : Promise.resolve();
      drained.then(
        () => this.close(),
        () => this.close(),
      );
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

  /** Hand this to a session as its `send`. */
  readonly send = (payload: JsonRpcPayload): void => {
    if (this.closed || this.writable.destroyed || this.writable.writableEnded) throw new ConnectionClosedError();
    this.writable.write(`${encodePayload(payload)}\n`);
  };

  attach(endpoint: FrameEndpoint): void {
    this.endpoint = endpoint;
    if (!this.closed) this.readable.resume();
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
}

function ignore(): void {}
