// The protocol peer: one JSON-RPC endpoint over any transport (requests in flight both ways,
// progress, cancellation, batches), under both ServerSession and ClientSession. Past 400 lines
// on purpose: the dispatch of each message kind reads and writes the same request tables, and
// it is the path of every message.
import {
  createErrorResponse,
  createNotification,
  createRequest,
  createSuccessResponse,
  type DecodedFrame,
  decodeFrame,
  decodeValue,
  encodePayload,
  isPlainObject,
  isRequest,
  isRequestId,
} from '../jsonrpc/codec';
import { InternalError, InvalidRequestError, JsonRpcError } from '../jsonrpc/errors';
import { type JsonLimits, resolveJsonLimits } from '../jsonrpc/json-limits';
import { HandlerTimeoutError, InFlightLimitError } from './limit-errors';
import type {
  JsonObject,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcPayload,
  JsonRpcRequest,
  JsonRpcResponse,
  RequestId,
  SendFn,
} from '../jsonrpc/types';
import type { ProgressParams } from '../types/notifications';
import { RequestTable } from './request-table';
import { ConnectionClosedError, ProtocolViolationError, RequestCancelledError, RequestTimeoutError } from './errors';

/** Per-request options for requests a session sends to its peer. */
export interface RequestOptions {
  /** Aborting sends notifications/cancelled and rejects with {@link RequestCancelledError}. */
  signal?: AbortSignal;
  /** Overrides the session's requestTimeoutMs; 0 disables the timeout. Progress restarts it. */
  timeoutMs?: number;
  /** Asks the peer for progress (sets `_meta.progressToken`) and receives it here. */
  onProgress?: (progress: ProgressParams) => void;
  /** The incoming request this one is made on behalf of (see SendFn). */
  relatedRequestId?: RequestId;
}

export interface IncomingRequest {
  id: RequestId;
  method: string;
  params: JsonRpcParams | undefined;
  signal: AbortSignal;
  /** Whether it was cancelled, read without making an AbortController. */
  readonly aborted: boolean;
}

export interface PeerOptions {
  send: SendFn;
  /**
   * Handles a request: returns the result, or a promise of it. A result returned (or an error
   * thrown) synchronously is answered at once, without a trip through the microtask queue.
   * Never called after close().
   */
  onRequest(request: IncomingRequest): unknown;
  onNotification(notification: JsonRpcNotification): void;
  onError(error: Error): void;
  /** Batching depends on the negotiated revision, so it is asked per frame. */
  batching(): { allow: boolean; protocolVersion: string | undefined };
  maxFrameBytes?: number;
  /** Checked (RangeError) when the peer is made; defaults for those left out. */
  jsonLimits?: JsonLimits;
  requestTimeoutMs: number;
  /** Methods whose cancellation is ignored (a client must not cancel initialize). */
  uncancellable?: ReadonlySet<string>;
  /** Incoming requests beyond this many at once are answered with InFlightLimitError, not run. */
  maxInFlightRequests?: number;
  /** An incoming request not settled after this long is answered with HandlerTimeoutError. */
  handlerTimeoutMs?: number;
}

interface PendingRequest {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: ProgressParams) => void;
  /** Restarts the timeout; called again on every progress notification. */
  arm(): void;
  dispose(): void;
}

/**
 * An incoming request being handled. Its AbortController is made the first time a handler
 * looks at the signal, or when it is cancelled: most requests never need one.
 */
class InFlightRequest implements IncomingRequest {
  private controller: AbortController | undefined;

  constructor(
    readonly id: RequestId,
    readonly method: string,
    readonly params: JsonRpcParams | undefined,
  ) {}

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  get aborted(): boolean {
    return this.controller?.signal.aborted ?? false;
  }

  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}

/** Late responses to requests we gave up on are expected; remember a bounded number of their ids. */
const ABANDONED_ID_MEMORY = 1024;

/**
 * The symmetric half of an MCP session: correlates outgoing requests with responses,
 * runs incoming requests with an AbortSignal each, and turns every malformed input into a
 * spec-shaped error response instead of an exception.
 */
export class Peer {
  private nextId = 1;
  private closed = false;
  // pending and abandoned exist only once this side sends a request: a server with
  // thousands of sessions rarely does, and an empty Map still costs a hash table.
  private pendingMap: Map<RequestId, PendingRequest> | undefined;
  /** One entry inline, a Map only for more: most sessions run one request at a time. */
  private readonly inFlight = new RequestTable<InFlightRequest>();
  private abandonedSet: Set<RequestId> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: PeerOptions) {
    // Checked now (a RangeError at session creation), read from the options per frame: no
    // field per session for a value thousands of sessions share.
    resolveJsonLimits(options.jsonLimits);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Incoming requests whose handlers have not settled yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** True while an incoming request is being handled and may still be answered. */
  isInFlight(id: RequestId): boolean {
    return this.inFlight.has(id);
  }

  /** Outgoing requests still waiting for a response. */
  get pendingCount(): number {
    return this.pendingMap?.size ?? 0;
  }

  private get pending(): Map<RequestId, PendingRequest> {
    return (this.pendingMap ??= new Map());
  }

  private get abandoned(): Set<RequestId> {
    return (this.abandonedSet ??= new Set());
  }

  receiveText(text: string): void {
    if (this.closed) return;
    let frame: DecodedFrame;
    try {
      const batching = this.options.batching();
      frame = decodeFrame(text, {
        maxFrameBytes: this.options.maxFrameBytes,
        jsonLimits: this.options.jsonLimits,
        allowBatch: batching.allow,
        protocolVersion: batching.protocolVersion,
      });
    } catch (error) {
      this.rejectFrame(error);
      return;
    }
    this.dispatch(frame);
  }

  receive(payload: JsonRpcPayload): void {
    if (this.closed) return;
    let frame: DecodedFrame;
    try {
      const batching = this.options.batching();
      frame = decodeValue(payload, { allowBatch: batching.allow, protocolVersion: batching.protocolVersion });
    } catch (error) {
      this.rejectFrame(error);
      return;
    }
    this.dispatch(frame);
  }

  /** A frame the transport already decoded with {@link decodeValue} (HTTP validates before routing). */
  receiveDecoded(frame: DecodedFrame): void {
    if (!this.closed) this.dispatch(frame);
  }

  /** A frame the transport could not deliver (e.g. an oversize line): answer it like a bad frame. */
  receiveFrameError(error: JsonRpcError): void {
    if (!this.closed) this.rejectFrame(error);
  }

  request(
    method: string,
    params: object | undefined,
    options: RequestOptions = {},
    cancellable = true,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new ConnectionClosedError());
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(new RequestCancelledError(method, signal.reason));
    const id = this.nextId++;
    let body: JsonObject | undefined = params === undefined ? undefined : { ...params };
    if (onProgress) {
      const meta = body && isPlainObject(body._meta) ? body._meta : {};
      body = { ...body, _meta: { ...meta, progressToken: id } };
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;

    return new Promise<unknown>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.abandon(
          id,
          new RequestCancelledError(method, signal?.reason),
          cancellable ? abortReason(signal) : undefined,
        );
      };
      const entry: PendingRequest = {
        method,
        resolve,
        reject,
        onProgress,
        arm: () => {
          if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => {
            this.abandon(id, new RequestTimeoutError(method, timeoutMs), cancellable ? 'Request timed out' : undefined);
          }, timeoutMs);
          // A pending request alone must not keep the process alive; the transport does that.
          timer.unref();
        },
        dispose: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.pending.set(id, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.arm();
      this.send(createRequest(id, method, body), options.relatedRequestId);
    });
  }

  notify(method: string, params?: object, relatedRequestId?: RequestId): void {
    if (this.closed) return;
    this.send(createNotification(method, params === undefined ? undefined : { ...params }), relatedRequestId);
  }

  /** Resolves once no incoming request is being handled. */
  drain(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts every in-flight handler (their responses are dropped) and rejects every pending request. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.inFlight.values()) request.abort(new ConnectionClosedError());
    const pending = [...(this.pendingMap?.values() ?? [])];
    this.pendingMap?.clear();
    for (const entry of pending) {
      entry.dispose();
      entry.reject(new ConnectionClosedError());
    }
  }

  private dispatch(frame: DecodedFrame): void {
    if (frame.kind === 'single') {
      this.dispatchMessage(frame.message, undefined);
      return;
    }
    // A batch is answered with one array once every request in it has settled.
    const batch = new BatchReply(this);
    for (const entry of frame.entries) {
      if (!entry.ok) {
        if (entry.error.shape === 'response') this.options.onError(entry.error);
        else batch.responses.push(createErrorResponse(entry.error.requestId, entry.error));
        continue;
      }
      if (isRequest(entry.message)) batch.outstanding += 1;
      this.dispatchMessage(entry.message, batch);
    }
    batch.settle();
  }

  /** `batch` collects the responses of a batch; a single message's response is sent as it comes. */
  private dispatchMessage(message: JsonRpcMessage, batch: BatchReply | undefined): void {
    if ('method' in message) {
      if ('id' in message) this.dispatchRequest(message, batch);
      else this.dispatchNotification(message);
    } else {
      this.dispatchResponse(message);
    }
  }

  private dispatchRequest(request: JsonRpcRequest, batch: BatchReply | undefined): void {
    const { id, method } = request;
    if (this.inFlight.has(id)) {
      this.reply(createErrorResponse(id, new InvalidRequestError(`Request id ${idText(id)} is already in use`)), batch);
      batch?.settle();
      return;
    }
    const max = this.options.maxInFlightRequests;
    if (max !== undefined && this.inFlight.size >= max) {
      this.reply(createErrorResponse(id, new InFlightLimitError(max)), batch);
      batch?.settle();
      return;
    }
    const incoming = new InFlightRequest(id, method, request.params);
    this.inFlight.set(id, incoming);
    let outcome: unknown;
    try {
      outcome = this.options.onRequest(incoming);
    } catch (error) {
      this.finish(incoming, createErrorResponse(id, toJsonRpcError(error)), batch);
      return;
    }
    if (!isThenable(outcome)) {
      this.finish(incoming, createSuccessResponse(id, outcome), batch);
      return;
    }
    // One timer per asynchronous request, and only when a timeout is set: a stalled handler
    // gets its caller an answer, and leaves the in-flight table (the limit above counts it no more).
    const timeoutMs = this.options.handlerTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > 0) {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(timeoutMs);
        this.finish(incoming, createErrorResponse(id, error), batch);
        incoming.abort(error);
      }, timeoutMs);
    }
    outcome.then(
      (result) => {
        clearTimeout(timer);
        this.finish(incoming, createSuccessResponse(id, result), batch);
      },
      (error: unknown) => {
        clearTimeout(timer);
        this.finish(incoming, createErrorResponse(id, toJsonRpcError(error)), batch);
      },
    );
  }

  private finish(incoming: InFlightRequest, response: JsonRpcResponse, batch: BatchReply | undefined): void {
    // Already answered (its handler timed out): a later settle has nothing left to do.
    if (this.inFlight.get(incoming.id) !== incoming) return;
    this.inFlight.delete(incoming.id);
    // A cancelled request is never answered; the peer has already forgotten it.
    if (!incoming.aborted && !this.closed) this.reply(response, batch);
    batch?.settle();
    if (this.inFlight.size === 0) this.wakeIdleWaiters();
  }

  private reply(response: JsonRpcResponse, batch: BatchReply | undefined): void {
    if (batch !== undefined) batch.responses.push(response);
    // A result JSON cannot encode (a BigInt, a cycle) must still get an answer.
    else if (!this.send(response)) this.send(unencodable(response));
  }

  /** Sends a batch's responses as one array (BatchReply calls it once all have settled). */
  sendBatch(responses: JsonRpcResponse[]): void {
    if (this.closed || this.send(responses)) return;
    this.send(responses.map((response) => (encodes(response) ? response : unencodable(response))));
  }

  private dispatchNotification(notification: JsonRpcNotification): void {
    const params = isPlainObject(notification.params) ? notification.params : undefined;
    if (notification.method === 'notifications/cancelled' && params && isRequestId(params.requestId)) {
      const target = this.inFlight.get(params.requestId);
      if (target && !this.options.uncancellable?.has(target.method)) {
        target.abort(typeof params.reason === 'string' ? params.reason : 'Cancelled by peer');
      }
    }
    if (notification.method === 'notifications/progress' && params && isRequestId(params.progressToken)) {
      const target = this.pendingMap?.get(params.progressToken);
      if (target?.onProgress && typeof params.progress === 'number') {
        target.arm();
        const progress = params as unknown as ProgressParams;
        try {
          target.onProgress(progress);
        } catch (error) {
          this.options.onError(asError(error));
        }
        return;
      }
    }
    try {
      this.options.onNotification(notification);
    } catch (error) {
      this.options.onError(asError(error));
    }
  }

  private dispatchResponse(response: JsonRpcResponse): void {
    const id = response.id;
    if (id === undefined || id === null) {
      // The peer could not read something we sent: nothing to settle, but worth reporting.
      if ('error' in response) this.options.onError(JsonRpcError.fromObject(response.error));
      return;
    }
    const entry = this.pendingMap?.get(id);
    if (!entry) {
      if (!this.abandonedSet?.delete(id)) {
        this.options.onError(new ProtocolViolationError(`Response to unknown request id ${idText(id)}`));
      }
      return;
    }
    this.pending.delete(id);
    entry.dispose();
    if ('error' in response) entry.reject(JsonRpcError.fromObject(response.error, id));
    else entry.resolve(response.result);
  }

  private abandon(id: RequestId, error: Error, cancelReason: string | undefined): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.dispose();
    this.abandoned.add(id);
    if (this.abandoned.size > ABANDONED_ID_MEMORY) {
      const oldest = this.abandoned.values().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
    if (cancelReason !== undefined) this.notify('notifications/cancelled', { requestId: id, reason: cancelReason });
    entry.reject(error);
  }

  private rejectFrame(error: unknown): void {
    if (error instanceof InvalidRequestError && error.shape === 'response') {
      this.options.onError(error);
    } else if (error instanceof JsonRpcError) {
      this.send(createErrorResponse(error.requestId, error));
    } else {
      this.options.onError(asError(error));
    }
  }

  /**
   * False when the transport threw for a reason other than being closed: the payload could
   * not be encoded. Transports encode before they change any state, so it may be sent again.
   */
  private send(payload: JsonRpcPayload, relatedRequestId?: RequestId): boolean {
    try {
      const sent = this.options.send(payload, relatedRequestId);
      if (sent instanceof Promise) sent.catch((error: unknown) => this.options.onError(asError(error)));
      return true;
    } catch (error) {
      this.options.onError(asError(error));
      return error instanceof ConnectionClosedError;
    }
  }

  private wakeIdleWaiters(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** The responses of one batch, sent together once its last request has settled. */
class BatchReply {
  readonly responses: JsonRpcResponse[] = [];
  /** Requests not yet settled, plus one held by dispatch until every member has been read. */
  outstanding = 1;

  constructor(private readonly peer: Peer) {}

  settle(): void {
    this.outstanding -= 1;
    if (this.outstanding === 0 && this.responses.length > 0) this.peer.sendBatch(this.responses);
  }
}

/** The answer to send instead of a response JSON cannot encode. */
function unencodable(response: JsonRpcResponse): JsonRpcResponse {
  return createErrorResponse(response.id ?? undefined, new InternalError('The response could not be encoded as JSON'));
}

function encodes(response: JsonRpcResponse): boolean {
  try {
    encodePayload(response);
    return true;
  } catch {
    return false;
  }
}

/** An id as it appears on the wire. */
function idText(id: RequestId): string {
  return typeof id === 'bigint' ? id.toString() : JSON.stringify(id);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Handler failures that are not already protocol errors become -32603 with their message. */
function toJsonRpcError(error: unknown): JsonRpcError {
  if (error instanceof JsonRpcError) return error;
  return new InternalError(error instanceof Error ? error.message : String(error));
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'Request cancelled';
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
