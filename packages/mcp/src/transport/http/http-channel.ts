import type { ServerResponse } from 'node:http';
import { createErrorResponse, type DecodedFrame, decodeValue, encodePayload, isNotification, isPlainObject, isRequest, isRequestId } from '../../jsonrpc/codec';
import { InvalidRequestError, JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcMessage, JsonRpcPayload, JsonRpcResponse, RequestId } from '../../jsonrpc/types';
import type { SessionChannel } from '../../hosting/session-channel';
import { allowsBatches, versionAtLeast } from '../../protocol/versions';
import type { ServerSession } from '../../server/session';
import { EventLog, sseEvent } from './event-log';
import { writeJson, writeJsonRpcError } from './responses';

/** What the front door hands a session process for one HTTP request. */
export type HttpInput = (
  | { kind: 'post'; body: unknown; res: ServerResponse }
  | { kind: 'get'; lastEventId: string | undefined; res: ServerResponse }
  | { kind: 'delete'; res: ServerResponse }
) & {
  /** The front door's requests not yet taken by their session's process. */
  waiting?: Map<ServerResponse, string>;
};

export interface HttpChannelOptions {
  /** 'sse' (default) answers requests on an SSE stream; 'json' with one JSON body. */
  responseMode: 'sse' | 'json';
  /** The `retry:` field of priming events, in ms: how long a client waits before reconnecting. */
  retryMs: number;
  /** Events kept per session for Last-Event-ID resumption. */
  replayEvents: number;
}

/** One stream of answers: a POST's (its requests' responses) or the standalone GET stream. */
interface Stream {
  readonly id: string;
  readonly json: boolean;
  /** The live HTTP response; undefined while the client is away (it may resume). */
  res: ServerResponse | undefined;
  readonly pending: Set<RequestId>;
  /** JSON mode only: the responses, written together once all have come. */
  readonly collected: JsonRpcResponse[] | undefined;
  readonly batch: boolean;
  /**
   * Events written before the response head. A POST stream opens lazily: an answer that
   * comes within the same turn of the event loop (most do) goes out as one body with a
   * Content-Length, in one write, instead of a chunked stream of four.
   */
  buffered: string | undefined;
}

const STANDALONE = 's';
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' };

/**
 * Streamable HTTP for one session, inside its process. Responses go to the stream of the
 * POST that carried their request; notifications and server requests made while handling a
 * request go there too, everything else to the GET stream. Every SSE event gets an id and is
 * logged until its stream completes, so a client that loses a stream resumes it with
 * Last-Event-ID.
 */
export class HttpChannel implements SessionChannel<HttpInput> {
  private session!: ServerSession;
  // Tables made when a request arrives and dropped when the session is quiet again, so
  // thousands of idle sessions hold no empty hash tables.
  private streamTable: Map<string, Stream> | undefined;
  private requestTable: Map<RequestId, Stream> | undefined;
  private eventLog: EventLog | undefined;
  private standaloneStream: Stream | undefined;
  /** Standalone events written while no GET stream was open, delivered when one opens. */
  private backlog: string[] | undefined;
  private nextStream = 1;
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly options: HttpChannelOptions,
  ) {
  }

  /** Made with the first event. */
  private get log(): EventLog {
    return (this.eventLog ??= new EventLog(this.options.replayEvents));
  }

  private get streams(): Map<string, Stream> {
    return (this.streamTable ??= new Map());
  }

  private get byRequest(): Map<RequestId, Stream> {
    return (this.requestTable ??= new Map());
  }

  /** The GET stream: made when first needed. */
  private get standalone(): Stream {
    return (this.standaloneStream ??= { id: STANDALONE, json: false, res: undefined, pending: new Set(), collected: undefined, batch: false, buffered: undefined });
  }

  private dropStream(stream: Stream): void {
    const table = this.streamTable;
    if (table === undefined) return;
    table.delete(stream.id);
    if (table.size === 0) this.streamTable = undefined;
  }

  private forgetRequest(id: RequestId): void {
    const table = this.requestTable;
    if (table === undefined) return;
    table.delete(id);
    if (table.size === 0) this.requestTable = undefined;
  }

  bind(session: ServerSession): void {
    this.session = session;
  }

  get busy(): boolean {
    if (this.standaloneStream?.res !== undefined) return true;
    for (const stream of this.streamTable?.values() ?? []) if (stream.res !== undefined) return true;
    return false;
  }

  handle(input: HttpInput): 'stop' | void {
    input.waiting?.delete(input.res);
    if (this.closed) {
      writeJsonRpcError(input.res, 404, -32001, 'Session not found');
      return;
    }
    switch (input.kind) {
      case 'post':
        return this.post(input.body, input.res);
      case 'get':
        return this.get(input.lastEventId, input.res);
      case 'delete':
        input.res.writeHead(200, { 'Mcp-Session-Id': this.sessionId }).end();
        return 'stop';
    }
  }

  readonly send = (payload: JsonRpcPayload, relatedRequestId?: RequestId): void => {
    if (this.closed) return;
    const response = responseIds(payload);
    if (response !== undefined) {
      const stream = response.length > 0 ? this.requestTable?.get(response[0]) : undefined;
      if (stream === undefined) return this.emit(this.standalone, payload);
      for (const id of response) {
        this.forgetRequest(id);
        stream.pending.delete(id);
      }
      if (stream.collected !== undefined) stream.collected.push(...((Array.isArray(payload) ? payload : [payload]) as JsonRpcResponse[]));
      else this.emit(stream, payload);
      if (stream.pending.size === 0) this.complete(stream);
      return;
    }
    const related = relatedRequestId === undefined ? undefined : this.requestTable?.get(relatedRequestId);
    // A JSON answer has no room for notifications: they go to the GET stream.
    this.emit(related !== undefined && !related.json ? related : this.standalone, payload);
  };

  readonly closeRequestStream = (requestId: RequestId): void => {
    const stream = this.requestTable?.get(requestId);
    if (stream === undefined || stream.json || stream.res === undefined) return;
    this.flush(stream);
    const res = stream.res;
    stream.res = undefined;
    res.end();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const streams = [...(this.streamTable?.values() ?? [])];
    if (this.standaloneStream !== undefined) streams.push(this.standaloneStream);
    for (const stream of streams) {
      const res = stream.res;
      stream.res = undefined;
      if (res === undefined || res.writableEnded) continue;
      if (stream.json && !res.headersSent) writeJsonRpcError(res, 404, -32001, 'Session closed');
      else this.finish(stream, res);
    }
    this.streamTable = undefined;
    this.requestTable = undefined;
  }

  private post(body: unknown, res: ServerResponse): void {
    const version = this.session.protocolVersion;
    let ids: RequestId[];
    let frame: DecodedFrame;
    const cancelled: RequestId[] = [];
    const note = (message: JsonRpcMessage): void => {
      if (isRequest(message)) ids.push(message.id);
      else if (isNotification(message) && message.method === 'notifications/cancelled' && isPlainObject(message.params)) {
        const id = message.params.requestId;
        if (isRequestId(id)) cancelled.push(id);
      }
    };
    try {
      frame = decodeValue(body, { allowBatch: allowsBatches(version), protocolVersion: version });
      ids = [];
      if (frame.kind === 'single') note(frame.message);
      else {
        const errors: JsonRpcResponse[] = [];
        for (const entry of frame.entries) {
          if (entry.ok) note(entry.message);
          else if (entry.error.shape !== 'response') errors.push(createErrorResponse(entry.error.requestId, entry.error));
        }
        if (ids.length === 0 && errors.length > 0) return writeJson(res, 400, errors, this.sessionId);
      }
    } catch (error) {
      const rpc = error instanceof JsonRpcError ? error : new InvalidRequestError('Invalid JSON-RPC message');
      return writeJson(res, 400, createErrorResponse(rpc.requestId, rpc), this.sessionId);
    }
    if (ids.length === 0) {
      // Notifications and responses only: accepted, nothing to answer on this request.
      res.writeHead(202, { 'Mcp-Session-Id': this.sessionId }).end();
      this.session.receiveDecoded(frame);
      // A cancelled request is never answered: its stream must not wait for it.
      for (const id of cancelled) this.settle(id);
      return;
    }
    const duplicate = ids.length > 1 && new Set(ids).size !== ids.length;
    if (duplicate || ids.some((id) => this.requestTable?.has(id) === true)) {
      return writeJson(res, 400, createErrorResponse(undefined, new InvalidRequestError('Request id already in use')), this.sessionId);
    }
    const json = this.options.responseMode === 'json';
    const stream: Stream = { id: `p${this.nextStream++}`, json, res, pending: new Set(ids), collected: json ? [] : undefined, batch: Array.isArray(body), buffered: json ? undefined : '' };
    this.streams.set(stream.id, stream);
    for (const id of ids) this.byRequest.set(id, stream);
    if (!json) {
      this.prime(stream);
      // Still unanswered after this turn: open the stream so progress and logs flow as they come.
      setImmediate(() => this.flush(stream));
    }
    res.on('close', () => this.detach(stream, res));
    this.session.receiveDecoded(frame);
  }

  private get(lastEventId: string | undefined, res: ServerResponse): void {
    const resumed = lastEventId === undefined ? undefined : this.log.streamOf(lastEventId);
    if (resumed !== undefined && resumed !== STANDALONE) return this.resume(resumed, lastEventId as string, res);
    if (this.standaloneStream?.res !== undefined) {
      return writeJsonRpcError(res, 409, -32000, 'Conflict: this session already has an open SSE stream');
    }
    res.writeHead(200, { ...SSE_HEADERS, 'Mcp-Session-Id': this.sessionId });
    this.standalone.res = res;
    res.on('close', () => this.detach(this.standalone, res));
    this.prime(this.standalone);
    const replay = resumed === STANDALONE ? this.log.after(lastEventId as string).map((e) => sseEvent(e.id, e.data)) : (this.backlog ?? []);
    this.backlog = undefined;
    for (const event of replay) res.write(event);
  }

  /** A client back for a POST stream it lost: replay what it missed, then carry on there. */
  private resume(streamId: string, lastEventId: string, res: ServerResponse): void {
    const stream = this.streamTable?.get(streamId);
    if (stream !== undefined && stream.res !== undefined) {
      return writeJsonRpcError(res, 409, -32000, 'Conflict: that stream is still open');
    }
    res.writeHead(200, { ...SSE_HEADERS, 'Mcp-Session-Id': this.sessionId });
    for (const event of this.log.after(lastEventId)) res.write(sseEvent(event.id, event.data));
    if (stream === undefined || stream.pending.size === 0) {
      // Everything it was owed has now been written.
      if (stream !== undefined) this.dropStream(stream);
      this.log.forget(streamId);
      res.end();
      return;
    }
    stream.res = res;
    res.on('close', () => this.detach(stream, res));
  }

  /** A priming event (an id, no data) lets a client resume a stream that broke before any message. */
  private prime(stream: Stream): void {
    const version = this.session.protocolVersion;
    // Older clients may choke on an event without data; 2025-11-25 defines it (SEP-1699).
    if (version !== undefined && !versionAtLeast(version, '2025-11-25')) return;
    this.write(stream, sseEvent(this.log.append(stream.id, ''), '', this.options.retryMs));
  }

  private write(stream: Stream, event: string): void {
    if (stream.buffered !== undefined) stream.buffered += event;
    else stream.res?.write(event);
  }

  /** Sends the head and what was buffered: from now on events are written as they come. */
  private flush(stream: Stream): void {
    const res = stream.res;
    if (stream.buffered === undefined || res === undefined) return;
    const buffered = stream.buffered;
    stream.buffered = undefined;
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { ...SSE_HEADERS, 'Mcp-Session-Id': this.sessionId });
    if (buffered !== '') res.write(buffered);
  }

  /** Ends a stream: in one write with a Content-Length when nothing was sent yet. */
  private finish(stream: Stream, res: ServerResponse): void {
    const buffered = stream.buffered;
    stream.buffered = undefined;
    if (res.writableEnded || res.destroyed) return;
    if (buffered === undefined) {
      res.end();
      return;
    }
    // The hot path (most answers): a flat header list, no object to spread and walk.
    res.writeHead(200, [
      'Content-Type',
      'text/event-stream',
      'Cache-Control',
      'no-cache, no-transform',
      'Content-Length',
      String(Buffer.byteLength(buffered)),
      'Mcp-Session-Id',
      this.sessionId,
    ]);
    res.end(buffered);
  }

  private emit(stream: Stream, payload: JsonRpcPayload): void {
    const data = encodePayload(payload);
    const id = this.log.append(stream.id, data);
    const event = sseEvent(id, data);
    if (stream.res !== undefined) this.write(stream, event);
    else if (stream === this.standaloneStream) {
      const backlog = (this.backlog ??= []);
      backlog.push(event);
      if (backlog.length > this.options.replayEvents) backlog.shift();
    }
  }

  /** Every request of a stream is answered: end it, or keep its events until the client is back. */
  private complete(stream: Stream): void {
    const res = stream.res;
    if (stream.json) {
      this.dropStream(stream);
      if (res === undefined || res.writableEnded) return;
      const collected = stream.collected ?? [];
      const body = stream.batch ? collected : collected[0];
      writeJson(res, 200, body, this.sessionId);
      return;
    }
    this.dropStream(stream);
    // Nobody is listening: its events stay logged for a client that resumes with Last-Event-ID.
    if (res === undefined) return;
    stream.res = undefined;
    this.log.forget(stream.id);
    this.finish(stream, res);
  }

  private settle(id: RequestId): void {
    const stream = this.requestTable?.get(id);
    if (stream === undefined) return;
    this.forgetRequest(id);
    stream.pending.delete(id);
    if (stream.pending.size === 0) this.complete(stream);
  }

  private detach(stream: Stream, res: ServerResponse): void {
    if (stream.res !== res) return;
    stream.res = undefined;
    // What it held is in the log, for a client that resumes.
    stream.buffered = undefined;
  }
}

/** The ids a response (or a batch of responses) answers; undefined for anything else. */
function responseIds(payload: JsonRpcPayload): RequestId[] | undefined {
  if (Array.isArray(payload)) {
    if (payload.length === 0 || 'method' in payload[0]) return undefined;
    const ids: RequestId[] = [];
    for (const member of payload) if ('id' in member && member.id !== undefined && member.id !== null) ids.push(member.id);
    return ids;
  }
  if ('method' in payload) return undefined;
  return 'id' in payload && payload.id !== undefined && payload.id !== null ? [payload.id] : [];
}
