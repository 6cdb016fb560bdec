import type { ServerResponse } from 'node:http';
import {
  createErrorResponse,
  type DecodedFrame,
  decodeValue,
  encodePayload,
  isNotification,
  isPlainObject,
  isRequest,
  isRequestId,
  parseMessage,
} from '../../jsonrpc/codec';
import { InvalidRequestError, JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcMessage, JsonRpcPayload, JsonRpcResponse, RequestId } from '../../jsonrpc/types';
import { RequestTable } from '../../protocol/request-table';
import { UnsupportedProtocolVersionRpcError } from '../../protocol/errors';
import { allowsBatches, isModernProtocolVersion, versionAtLeast } from '../../protocol/versions';
import { modernOnLegacySession } from '../../server/modern';
import type { ServerSession } from '../../server/session';
import type { SessionChannel } from '../../server/session-hosting';
import { parseEventId } from './event-log';
import { writeJson, writeJsonRpcError } from './responses';
import { SessionStreams, type SessionStreamsOptions } from './session-streams';
import type { SseStreamState } from './sse-overflow';
import { openLater, SseStream, STANDALONE } from './sse-stream';
import type { WaitingLink } from './waiting-inputs';

/** What the front door hands a session process for one HTTP request. */
export type HttpInput = (
  | {
      kind: 'post';
      body: unknown;
      res: ServerResponse;
      /** The request's MCP-Protocol-Version header: a 2026-07-28 one on this 2025 session is -32022. */
      protocolVersion?: string;
    }
  | { kind: 'get'; lastEventId: string | undefined; res: ServerResponse }
  | { kind: 'delete'; res: ServerResponse }
) &
  WaitingLink;

export interface HttpChannelOptions extends SessionStreamsOptions {
  /** 'sse' (default) answers requests on an SSE stream; 'json' with one JSON body. */
  responseMode: 'sse' | 'json';
}

/**
 * Streamable HTTP for one session, inside its process. Responses go to the stream of the
 * POST that carried their request; notifications and server requests made while handling a
 * request go there too, everything else to the GET stream. Every SSE event gets an id and is
 * logged until its stream completes, so a client that loses a stream resumes it with
 * Last-Event-ID.
 *
 * This class routes (which request, which stream); {@link SessionStreams} writes the
 * streams (event ids, the replay log, queues for slow readers), and a lazily opened POST
 * stream reaches it through the `SseStreamOpener` interface.
 */
export class HttpChannel implements SessionChannel<HttpInput> {
  private session!: ServerSession;
  /** Request id → the stream that answers it; a few words while the session is idle. */
  private readonly requests = new RequestTable<SseStream>();
  private readonly streams: SessionStreams;
  private nextStream = 1;
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly options: HttpChannelOptions,
  ) {
    this.streams = new SessionStreams(sessionId, options);
  }

  /** The SSE streams that hold bytes for a client or have one connected. */
  streamStates(): SseStreamState[] {
    return this.streams.states(this.openStreams());
  }

  /** The POST streams with requests still unanswered, each once. */
  private openStreams(): Set<SseStream> {
    return new Set(this.requests.values());
  }

  bind(session: ServerSession): void {
    this.session = session;
    this.streams.bind(session);
  }

  get busy(): boolean {
    if (this.streams.connected) return true;
    for (const stream of this.requests.values()) if (stream.res !== undefined) return true;
    return false;
  }

  handle(input: HttpInput): 'stop' | void {
    input.waiting?.release(input);
    if (this.closed) {
      writeJsonRpcError(input.res, 404, -32001, 'Session not found');
      return;
    }
    switch (input.kind) {
      case 'post':
        this.post(input.body, input.res, input.protocolVersion);
        // Only an initialize starts a session (and it is answered at once): if it failed, the
        // session has no client, and its id must not live on until the idle timeout.
        return this.session.state === 'awaiting-initialize' ? 'stop' : undefined;
      case 'get':
        return this.get(input.lastEventId, input.res);
      case 'delete':
        input.res.writeHead(200, { 'Mcp-Session-Id': this.sessionId }).end();
        return 'stop';
    }
  }

  readonly send = (payload: JsonRpcPayload, relatedRequestId?: RequestId): void => {
    if (this.closed) return;
    if (!Array.isArray(payload)) {
      if ('method' in payload) return this.sendMessage(payload, relatedRequestId);
      // One response: the common case, routed without the batch bookkeeping below.
      const id = payload.id;
      const stream = id === undefined || id === null ? undefined : this.requests.get(id);
      if (stream === undefined) return this.streams.emit(this.streams.standalone, payload);
      // Encoded before anything changes: when JSON cannot encode it, the session sends an error instead.
      const data = encodePayload(payload);
      this.requests.delete(id as RequestId);
      stream.pending -= 1;
      if (stream.collected !== undefined) stream.collected.push(data);
      else this.streams.emitData(stream, data, undefined, true);
      if (stream.pending === 0) this.streams.complete(stream);
      return;
    }
    if (payload.length === 0 || 'method' in payload[0]) return this.sendMessage(payload, relatedRequestId);
    // A batch of responses: they all answer requests of one POST.
    const data = encodePayload(payload);
    let stream: SseStream | undefined;
    for (const member of payload) {
      const id = 'id' in member ? member.id : undefined;
      if (id === undefined || id === null) continue;
      stream ??= this.requests.get(id);
      if (stream !== undefined && this.requests.get(id) === stream) {
        this.requests.delete(id);
        stream.pending -= 1;
      }
    }
    if (stream === undefined) return this.streams.emitData(this.streams.standalone, data, undefined, true);
    // JSON.stringify writes an array as "[" + its members joined by "," + "]".
    if (stream.collected !== undefined) stream.collected.push(data.slice(1, -1));
    else this.streams.emitData(stream, data, undefined, true);
    if (stream.pending === 0) this.streams.complete(stream);
  };

  /** Notifications and server requests: on the stream of the request they belong to, else the GET stream. */
  private sendMessage(payload: JsonRpcPayload, relatedRequestId: RequestId | undefined): void {
    const related = relatedRequestId === undefined ? undefined : this.requests.get(relatedRequestId);
    // A JSON answer has no room for notifications: they go to the GET stream.
    this.streams.emit(related !== undefined && !related.json ? related : this.streams.standalone, payload);
  }

  readonly closeRequestStream = (requestId: RequestId): void => {
    // Before 2025-11-25 (SEP-1699) a stream must carry its answer, and has no priming event id to resume from.
    const version = this.session.protocolVersion;
    if (version !== undefined && !versionAtLeast(version, '2025-11-25')) return;
    const stream = this.requests.get(requestId);
    if (stream === undefined || stream.json || stream.res === undefined) return;
    this.streams.openStream(stream);
    const res = stream.res;
    if (res === undefined) return;
    stream.res = undefined;
    res.end();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.streams.closeAll(this.openStreams());
    this.requests.clear();
  }

  private post(body: unknown, res: ServerResponse, headerVersion: string | undefined): void {
    const version = this.session.protocolVersion;
    let frame: DecodedFrame;
    try {
      frame = Array.isArray(body)
        ? decodeValue(body, { allowBatch: allowsBatches(version), protocolVersion: version })
        : { kind: 'single', message: parseMessage(body) };
    } catch (error) {
      const rpc = error instanceof JsonRpcError ? error : new InvalidRequestError('Invalid JSON-RPC message');
      return writeJson(res, 400, createErrorResponse(rpc.requestId, rpc), this.sessionId);
    }
    if (frame.kind === 'single') {
      const message = frame.message;
      if (!isRequest(message)) return this.accept(frame, res, cancelledBy(message));
      // A 2026-07-28 request on this 2025 session (by its _meta, its method, or its
      // MCP-Protocol-Version header): its -32022 is answered as the revision's errors are, one
      // JSON body with status 400, not on an SSE stream opened with 200.
      const mismatch =
        version === undefined
          ? undefined
          : (modernOnLegacySession(message.method, message.params, version) ??
            (isModernProtocolVersion(headerVersion)
              ? new UnsupportedProtocolVersionRpcError(headerVersion, [version])
              : undefined));
      if (mismatch !== undefined) return writeJson(res, 400, createErrorResponse(message.id, mismatch), this.sessionId);
      if (this.requests.has(message.id)) return this.idInUse(res);
      return this.openPost(frame, [message.id], res, false);
    }
    const ids: RequestId[] = [];
    const cancelled: RequestId[] = [];
    const errors: JsonRpcResponse[] = [];
    for (const entry of frame.entries) {
      if (!entry.ok) {
        if (entry.error.shape !== 'response') errors.push(createErrorResponse(entry.error.requestId, entry.error));
        continue;
      }
      if (isRequest(entry.message)) ids.push(entry.message.id);
      else {
        const target = cancelledBy(entry.message);
        if (target !== undefined) cancelled.push(target);
      }
    }
    if (ids.length === 0 && errors.length > 0) return writeJson(res, 400, errors, this.sessionId);
    if (ids.length === 0) return this.accept(frame, res, ...cancelled);
    if (new Set(ids).size !== ids.length || ids.some((id) => this.requests.has(id))) return this.idInUse(res);
    this.openPost(frame, ids, res, true);
    // As in accept(): the requests it cancelled (in this batch or on another POST) are never answered.
    for (const id of cancelled) this.settle(id);
  }

  /** Notifications and responses only: accepted, nothing to answer on this request. */
  private accept(frame: DecodedFrame, res: ServerResponse, ...cancelled: (RequestId | undefined)[]): void {
    res.writeHead(202, ['Mcp-Session-Id', this.sessionId]).end();
    this.session.receiveDecoded(frame);
    // A cancelled request is never answered: its stream must not wait for it.
    for (const id of cancelled) if (id !== undefined) this.settle(id);
  }

  private idInUse(res: ServerResponse): void {
    writeJson(
      res,
      400,
      createErrorResponse(undefined, new InvalidRequestError('Request id already in use')),
      this.sessionId,
    );
  }

  /** A POST carrying requests: its stream answers them, then ends. */
  private openPost(frame: DecodedFrame, ids: RequestId[], res: ServerResponse, batch: boolean): void {
    const json = this.options.responseMode === 'json';
    const stream = new SseStream(`p${this.nextStream++}`, this.streams, json, batch, res, ids.length, !json);
    for (const id of ids) this.requests.set(id, stream);
    if (!json) this.streams.prime(stream);
    // Synchronous handlers answer in here: the stream is then complete and written already.
    this.session.receiveDecoded(frame);
    // Still unanswered after this turn: open the stream so progress and logs flow as they come.
    if (stream.buffered !== undefined && stream.pending > 0) openLater(stream);
  }

  private get(lastEventId: string | undefined, res: ServerResponse): void {
    // The client left before this session took its request: its 'close' has passed, so a
    // stream attached to it would stay "connected" (refusing other GETs, never idle).
    if (res.destroyed) return;
    const resumed =
      lastEventId === undefined
        ? undefined
        : (this.streams.streamOfEvent(lastEventId) ?? this.streamNamedBy(lastEventId));
    if (resumed !== undefined && resumed !== STANDALONE) return this.resume(resumed, lastEventId as string, res);
    this.streams.openStandalone(res, resumed === STANDALONE ? (lastEventId as string) : undefined);
  }

  /**
   * The stream of this session an event id names, for an event the log no longer keeps (it
   * dropped the oldest, or the stream was delivered): resuming it must not turn into a new
   * GET stream, where the answers of its requests would never come.
   */
  private streamNamedBy(eventId: string): string | undefined {
    const stream = parseEventId(eventId)?.stream;
    if (stream === STANDALONE) return stream;
    const n = stream !== undefined && /^p[0-9]+$/.test(stream) ? Number(stream.slice(1)) : 0;
    return n >= 1 && n < this.nextStream ? stream : undefined;
  }

  /** A client back for a POST stream it lost: replay what it missed, then carry on there. */
  private resume(streamId: string, lastEventId: string, res: ServerResponse): void {
    let stream = this.streams.queuedStream(streamId);
    if (stream === undefined)
      for (const candidate of this.requests.values()) if (candidate.id === streamId) stream = candidate;
    this.streams.resume(streamId, stream, lastEventId, res);
  }

  private settle(id: RequestId): void {
    const stream = this.requests.get(id);
    if (stream === undefined) return;
    this.requests.delete(id);
    stream.pending -= 1;
    if (stream.pending === 0) this.streams.complete(stream);
  }
}

/** The request a notifications/cancelled names, if the message is one. */
function cancelledBy(message: JsonRpcMessage): RequestId | undefined {
  if (!isNotification(message) || message.method !== 'notifications/cancelled' || !isPlainObject(message.params))
    return undefined;
  const id = message.params.requestId;
  return isRequestId(id) ? id : undefined;
}
