import type { ServerResponse } from 'node:http';
import { createErrorResponse, type DecodedFrame, decodeValue, encodePayload, isNotification, isPlainObject, isRequest, isRequestId, parseMessage } from '../../jsonrpc/codec';
import { InvalidRequestError, JsonRpcError } from '../../jsonrpc/errors';
import type { JsonRpcMessage, JsonRpcPayload, JsonRpcResponse, RequestId } from '../../jsonrpc/types';
import { RequestTable } from '../../protocol/request-table';
import { allowsBatches, versionAtLeast } from '../../protocol/versions';
import type { ServerSession } from '../../server/session';
import type { SessionChannel } from '../../server/session-hosting';
import { DEFAULT_MAX_OUTBOUND_BYTES, DEFAULT_OUTBOUND_HIGH_WATER_BYTES } from '../backpressure';
import { EventLog, parseEventId, sseEvent } from './event-log';
import { writeJson, writeJsonRpcError, writeJsonText } from './responses';
import { SseStreamOverflowError, type SseStreamState } from './sse-overflow';

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
  /** Above this many unread bytes on a stream's socket, its events wait (queued) until the socket drains. */
  highWater?: number;
  /** Above this many unread bytes (socket and queue) a connected stream is ended; a detached stream's oldest queued events go to the log. */
  maxOutbound?: number;
  /** Told when a stream is ended for overflow. */
  onError?: (error: Error) => void;
}

/** An event not written to its stream's socket yet. */
interface QueuedEvent {
  readonly id: string;
  readonly seq: number;
  readonly data: string;
  readonly text: string;
  readonly bytes: number;
  /** Already in the event log (a replay): not recorded again when written. */
  readonly logged: boolean;
}

/** One stream of answers: a POST's (its requests' responses) or the standalone GET stream. */
class Stream {
  /**
   * Events written before the response head. A POST stream opens lazily: an answer that
   * comes within the same turn of the event loop (most do) goes out as one body with a
   * Content-Length, in one write, instead of a chunked stream.
   */
  buffered: string | undefined;
  /**
   * The events in `buffered` as [id, data, id, data, ...]. They reach the event log only if
   * the stream outlives this turn (it opens, or its client goes away): an answer written
   * whole at once was never worth logging.
   */
  unlogged: string[] | undefined;
  /** JSON mode only: the responses (encoded; a batch's members without its brackets), written together once all have come. */
  readonly collected: string[] | undefined;
  /**
   * Events held back, oldest first (ascending seq), because the socket has more than the
   * high-water mark unread, or because the client left while some were held. Never in the
   * event log until written: the log drops its oldest by count, these must not be lost.
   */
  queue: QueuedEvent[] | undefined;
  queuedBytes = 0;
  /** The response whose 'drain' we wait for, so that we listen once. */
  drainRes: ServerResponse | undefined;
  /** Its client left before it saw an event id: it cannot resume, so nothing is held for it. */
  orphan = false;

  constructor(
    readonly id: string,
    readonly channel: HttpChannel,
    readonly json: boolean,
    readonly batch: boolean,
    /** The live HTTP response; undefined while the client is away (it may resume). */
    public res: ServerResponse | undefined,
    /** Requests of this stream not answered yet. */
    public pending: number,
    lazy: boolean,
  ) {
    this.buffered = lazy ? '' : undefined;
    this.collected = json ? [] : undefined;
  }
}

const STANDALONE = 's';
const SSE_HEAD = ['Content-Type', 'text/event-stream', 'Cache-Control', 'no-cache, no-transform', 'Connection', 'keep-alive'];

/**
 * Streams still buffered when their turn ends, across every channel: one setImmediate per
 * turn opens them all, rather than a timer for each request.
 */
const toOpen: Stream[] = [];
let openScheduled = false;

function openLater(stream: Stream): void {
  toOpen.push(stream);
  if (openScheduled) return;
  openScheduled = true;
  setImmediate(openWaiting);
}

function openWaiting(): void {
  openScheduled = false;
  const streams = toOpen.splice(0);
  for (const stream of streams) stream.channel['open'](stream);
}

/**
 * Streamable HTTP for one session, inside its process. Responses go to the stream of the
 * POST that carried their request; notifications and server requests made while handling a
 * request go there too, everything else to the GET stream. Every SSE event gets an id and is
 * logged until its stream completes, so a client that loses a stream resumes it with
 * Last-Event-ID.
 */
export class HttpChannel implements SessionChannel<HttpInput> {
  private session!: ServerSession;
  /** Request id → the stream that answers it; a few words while the session is idle. */
  private readonly requests = new RequestTable<Stream>();
  private eventLog: EventLog | undefined;
  private standaloneStream: Stream | undefined;
  /** Standalone events written while no GET stream was open, delivered when one opens. */
  private backlog: QueuedEvent[] | undefined;
  /** The backlog's bytes: held within maxOutbound, like a queue nobody reads. */
  private backlogBytes = 0;
  /** Streams with queued events, by id: a POST stream stays here after its requests are answered, until its queue is delivered. */
  private readonly queued = new Map<string, Stream>();
  /**
   * POST streams whose requests are all answered, holding events for a client that is away,
   * oldest first: past `replayEvents` of them the oldest's events go to the log, so that a
   * client that never resumes cannot make a live session hold answers without bound.
   */
  private readonly unclaimed = new Set<Stream>();
  private nextStream = 1;
  private closed = false;
  private readonly highWater: number;
  private readonly maxOutbound: number;

  constructor(
    readonly sessionId: string,
    private readonly options: HttpChannelOptions,
  ) {
    this.highWater = options.highWater ?? DEFAULT_OUTBOUND_HIGH_WATER_BYTES;
    this.maxOutbound = options.maxOutbound ?? Math.max(DEFAULT_MAX_OUTBOUND_BYTES, this.highWater);
  }

  /** The SSE streams that hold bytes for a client or have one connected. */
  streamStates(): SseStreamState[] {
    const streams = this.openStreams();
    if (this.standaloneStream !== undefined) streams.add(this.standaloneStream);
    for (const stream of this.queued.values()) streams.add(stream);
    const out: SseStreamState[] = [];
    for (const stream of streams) {
      if (stream.json) continue;
      const socketBytes = stream.res === undefined ? 0 : stream.res.writableLength;
      const held = stream.queuedBytes + (stream === this.standaloneStream ? this.backlogBytes : 0);
      out.push({
        sessionId: this.sessionId,
        streamId: stream.id,
        connected: stream.res !== undefined,
        bufferedBytes: socketBytes + held,
        queuedBytes: held,
      });
    }
    return out;
  }

  /** Made with the first event. */
  private get log(): EventLog {
    return (this.eventLog ??= new EventLog(this.options.replayEvents));
  }

  /** The GET stream: made when first needed. */
  private get standalone(): Stream {
    return (this.standaloneStream ??= new Stream(STANDALONE, this, false, false, undefined, 0, false));
  }

  /** The POST streams with requests still unanswered, each once. */
  private openStreams(): Set<Stream> {
    return new Set(this.requests.values());
  }

  bind(session: ServerSession): void {
    this.session = session;
  }

  get busy(): boolean {
    if (this.standaloneStream?.res !== undefined) return true;
    for (const stream of this.requests.values()) if (stream.res !== undefined) return true;
    // A stream whose requests are answered but whose queue is still being written.
    for (const stream of this.queued.values()) if (stream.res !== undefined) return true;
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
        this.post(input.body, input.res);
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
      if (stream === undefined) return this.emit(this.standalone, payload);
      // Encoded before anything changes: when JSON cannot encode it, the session sends an error instead.
      const data = encodePayload(payload);
      this.requests.delete(id as RequestId);
      stream.pending -= 1;
      if (stream.collected !== undefined) stream.collected.push(data);
      else this.emitData(stream, data, undefined);
      if (stream.pending === 0) this.complete(stream);
      return;
    }
    if (payload.length === 0 || 'method' in payload[0]) return this.sendMessage(payload, relatedRequestId);
    // A batch of responses: they all answer requests of one POST.
    const data = encodePayload(payload);
    let stream: Stream | undefined;
    for (const member of payload) {
      const id = 'id' in member ? member.id : undefined;
      if (id === undefined || id === null) continue;
      stream ??= this.requests.get(id);
      if (stream !== undefined && this.requests.get(id) === stream) {
        this.requests.delete(id);
        stream.pending -= 1;
      }
    }
    if (stream === undefined) return this.emitData(this.standalone, data, undefined);
    // JSON.stringify writes an array as "[" + its members joined by "," + "]".
    if (stream.collected !== undefined) stream.collected.push(data.slice(1, -1));
    else this.emitData(stream, data, undefined);
    if (stream.pending === 0) this.complete(stream);
  };

  /** Notifications and server requests: on the stream of the request they belong to, else the GET stream. */
  private sendMessage(payload: JsonRpcPayload, relatedRequestId: RequestId | undefined): void {
    const related = relatedRequestId === undefined ? undefined : this.requests.get(relatedRequestId);
    // A JSON answer has no room for notifications: they go to the GET stream.
    this.emit(related !== undefined && !related.json ? related : this.standalone, payload);
  }

  readonly closeRequestStream = (requestId: RequestId): void => {
    // Before 2025-11-25 (SEP-1699) a stream must carry its answer, and has no priming event id to resume from.
    const version = this.session.protocolVersion;
    if (version !== undefined && !versionAtLeast(version, '2025-11-25')) return;
    const stream = this.requests.get(requestId);
    if (stream === undefined || stream.json || stream.res === undefined) return;
    this.open(stream);
    const res = stream.res;
    if (res === undefined) return;
    stream.res = undefined;
    res.end();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const streams = this.openStreams();
    if (this.standaloneStream !== undefined) streams.add(this.standaloneStream);
    for (const stream of this.queued.values()) streams.add(stream);
    this.queued.clear();
    this.unclaimed.clear();
    this.backlog = undefined;
    this.backlogBytes = 0;
    for (const stream of streams) {
      const res = stream.res;
      stream.res = undefined;
      stream.queue = undefined;
      stream.queuedBytes = 0;
      if (res === undefined || res.writableEnded) continue;
      if (stream.json && !res.headersSent) writeJsonRpcError(res, 404, -32001, 'Session closed');
      else this.finish(stream, res);
    }
    this.requests.clear();
  }

  private post(body: unknown, res: ServerResponse): void {
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
    writeJson(res, 400, createErrorResponse(undefined, new InvalidRequestError('Request id already in use')), this.sessionId);
  }

  /** A POST carrying requests: its stream answers them, then ends. */
  private openPost(frame: DecodedFrame, ids: RequestId[], res: ServerResponse, batch: boolean): void {
    const json = this.options.responseMode === 'json';
    const stream = new Stream(`p${this.nextStream++}`, this, json, batch, res, ids.length, !json);
    for (const id of ids) this.requests.set(id, stream);
    if (!json) this.prime(stream);
    // Synchronous handlers answer in here: the stream is then complete and written already.
    this.session.receiveDecoded(frame);
    // Still unanswered after this turn: open the stream so progress and logs flow as they come.
    if (stream.buffered !== undefined && stream.pending > 0) openLater(stream);
  }

  private get(lastEventId: string | undefined, res: ServerResponse): void {
    // The client left before this session took its request: its 'close' has passed, so a
    // stream attached to it would stay "connected" (refusing other GETs, never idle).
    if (res.destroyed) return;
    const resumed = lastEventId === undefined ? undefined : (this.eventLog?.streamOf(lastEventId) ?? this.streamNamedBy(lastEventId));
    if (resumed !== undefined && resumed !== STANDALONE) return this.resume(resumed, lastEventId as string, res);
    if (this.standaloneStream?.res !== undefined) {
      return writeJsonRpcError(res, 409, -32000, 'Conflict: this session already has an open SSE stream');
    }
    this.writeSseHead(res);
    const standalone = this.standalone;
    standalone.res = res;
    this.watch(standalone, res);
    this.prime(standalone);
    // Taken either way: a client back with Last-Event-ID gets the backlog's events it lacks,
    // and a later GET must not be handed them again.
    const backlog = this.backlog ?? [];
    this.backlog = undefined;
    this.backlogBytes = 0;
    this.attach(standalone, res, resumed === STANDALONE ? (lastEventId as string) : undefined, backlog);
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
    let stream = this.queued.get(streamId);
    if (stream === undefined) for (const candidate of this.requests.values()) if (candidate.id === streamId) stream = candidate;
    if (stream !== undefined && stream.res !== undefined) {
      return writeJsonRpcError(res, 409, -32000, 'Conflict: that stream is still open');
    }
    if (stream === undefined && this.log.after(lastEventId).length === 0) {
      // Ended, and nothing of it is left to send: an empty stream would only be asked for again.
      return writeJsonRpcError(res, 400, -32000, 'Bad Request: that stream has ended, and none of its events after Last-Event-ID are kept');
    }
    this.writeSseHead(res);
    // A stream whose requests are all answered (pending 0) ends once what it is owed is written.
    stream ??= new Stream(streamId, this, false, false, undefined, 0, false);
    stream.res = res;
    this.watch(stream, res);
    this.attach(stream, res, lastEventId);
  }

  /**
   * A client (back) on `stream`: what it missed goes first (from the log after
   * `lastEventId`, or `replay`), then the stream's queue, all through {@link flush}.
   */
  private attach(stream: Stream, res: ServerResponse, lastEventId: string | undefined, replay: QueuedEvent[] = []): void {
    this.unclaimed.delete(stream);
    const queue = stream.queue ?? [];
    if (lastEventId !== undefined) {
      const last = parseEventId(lastEventId)?.seq ?? 0;
      // The log holds what was written, the queue what was not: all older than the queue's first.
      const before = queue.length > 0 ? queue[0].seq : Infinity;
      // `replay` (the GET stream's backlog) and the log overlap: each event once, in order.
      replay = replay.filter((event) => event.seq > last && event.seq < before);
      const have = new Set(replay.map((event) => event.seq));
      for (const event of this.log.after(lastEventId)) {
        const seq = parseEventId(event.id)!.seq;
        if (seq < before && !have.has(seq)) replay.push(queued(event.id, seq, event.data, sseEvent(event.id, event.data), true));
      }
      replay.sort((a, b) => a.seq - b.seq);
      // Events the client says it has are not sent again.
      while (queue.length > 0 && queue[0].seq <= last) stream.queuedBytes -= queue.shift()!.bytes;
    }
    if (replay.length > 0) {
      for (const event of replay) stream.queuedBytes += event.bytes;
      stream.queue = replay.concat(queue);
      this.queued.set(stream.id, stream);
    }
    this.flush(stream, res);
  }

  /** A priming event (an id, no data) lets a client resume a stream that broke before any message. */
  private prime(stream: Stream): void {
    const version = this.session.protocolVersion;
    // Older clients may choke on an event without data; 2025-11-25 defines it (SEP-1699).
    if (version !== undefined && !versionAtLeast(version, '2025-11-25')) return;
    this.emitData(stream, '', this.options.retryMs);
  }

  private emit(stream: Stream, payload: JsonRpcPayload): void {
    this.emitData(stream, encodePayload(payload), undefined);
  }

  private emitData(stream: Stream, data: string, retryMs: number | undefined): void {
    const log = this.log;
    const id = log.nextId(stream.id);
    const event = sseEvent(id, data, retryMs);
    if (stream.buffered !== undefined) {
      stream.buffered += event;
      (stream.unlogged ??= []).push(id, data);
      return;
    }
    const res = stream.res;
    if (stream.queue === undefined) {
      if (res !== undefined && !this.full(res)) {
        log.record(id, stream.id, data);
        res.write(event);
        return;
      }
      if (res === undefined && (stream === this.standaloneStream || stream.orphan)) {
        // Nobody listening, nothing held: logged (the log keeps the last replayEvents).
        log.record(id, stream.id, data);
        if (stream === this.standaloneStream) {
          const backlog = (this.backlog ??= []);
          const held = queued(id, parseEventId(id)!.seq, data, event, true);
          backlog.push(held);
          this.backlogBytes += held.bytes;
          // The oldest stay in the log only: the last replayEvents, within maxOutbound.
          while (backlog.length > 1 && (backlog.length > this.options.replayEvents || this.backlogBytes > this.maxOutbound)) {
            this.backlogBytes -= backlog.shift()!.bytes;
          }
        }
        return;
      }
      // A POST stream whose client is away (it left, or the stream was ended for it to poll):
      // held, like a queue its client left behind. Only logged, its answer could be pushed out
      // of the log by other streams' events before the client is back.
    }
    this.enqueue(stream, queued(id, parseEventId(id)!.seq, data, event, false));
  }

  /** Whether a socket has enough unread: it said so (write() returned false) and holds at least the high-water mark. */
  private full(res: ServerResponse): boolean {
    return res.writableNeedDrain && res.writableLength >= this.highWater;
  }

  /** Holds an event back; past the hard cap, ends the stream (connected) or logs the oldest (detached). */
  private enqueue(stream: Stream, event: QueuedEvent): void {
    (stream.queue ??= []).push(event);
    stream.queuedBytes += event.bytes;
    this.queued.set(stream.id, stream);
    const res = stream.res;
    if (res !== undefined) {
      // Over the cap while its socket takes nothing more: the client is not reading. (A socket
      // not full yet is being written to by flush(): a client just back is not cut again.)
      const unread = res.writableLength + stream.queuedBytes;
      if (unread > this.maxOutbound && this.full(res)) this.overflow(stream, res, unread);
      else this.awaitDrain(stream, res);
      return;
    }
    // Nobody reading, and no socket to end: the oldest move to the log, which keeps the last replayEvents.
    const queue = stream.queue;
    while (stream.queuedBytes > this.maxOutbound && queue.length > 1) {
      const oldest = queue.shift()!;
      stream.queuedBytes -= oldest.bytes;
      if (!oldest.logged) this.log.record(oldest.id, stream.id, oldest.data);
    }
  }

  private awaitDrain(stream: Stream, res: ServerResponse): void {
    if (stream.drainRes === res) return;
    stream.drainRes = res;
    res.once('drain', () => {
      if (stream.drainRes === res) stream.drainRes = undefined;
      if (stream.res === res && stream.queue !== undefined) this.flush(stream, res);
    });
  }

  /** Writes queued events while the socket takes them; a stream whose requests are all answered ends once its queue is out. */
  private flush(stream: Stream, res: ServerResponse): void {
    const queue = stream.queue;
    if (queue !== undefined) {
      const log = this.log;
      let written = 0;
      while (written < queue.length && !this.full(res)) {
        const event = queue[written++];
        stream.queuedBytes -= event.bytes;
        if (!event.logged) log.record(event.id, stream.id, event.data);
        res.write(event.text);
      }
      queue.splice(0, written);
      if (queue.length > 0) return this.awaitDrain(stream, res);
      stream.queue = undefined;
      stream.queuedBytes = 0;
      this.queued.delete(stream.id);
    }
    if (stream.pending === 0 && stream !== this.standaloneStream && !stream.json) {
      // Everything it was owed has now been written.
      stream.res = undefined;
      this.eventLog?.forget(stream.id);
      res.end();
    }
  }

  /** The client left more than the hard cap unread: end this stream (not the session); its queue waits for a resume. */
  private overflow(stream: Stream, res: ServerResponse, unread: number): void {
    const version = this.session.protocolVersion;
    const resumable = version !== undefined && versionAtLeast(version, '2025-11-25');
    stream.res = undefined;
    stream.drainRes = undefined;
    // 2025-11-25 lets a server end a stream for the client to resume (SEP-1699). Before it, a
    // stream that ends without its answer reads as a broken one: cut it, which also frees its socket buffer.
    if (resumable) res.end();
    else res.destroy();
    this.options.onError?.(new SseStreamOverflowError(unread, this.maxOutbound, this.sessionId, stream.id, resumable));
  }

  /** The buffered events go to the log after all: the stream outlives its turn. */
  private logBuffered(stream: Stream): void {
    const unlogged = stream.unlogged;
    stream.unlogged = undefined;
    stream.buffered = undefined;
    if (unlogged === undefined) return;
    const log = this.log;
    for (let i = 0; i < unlogged.length; i += 2) log.record(unlogged[i], stream.id, unlogged[i + 1]);
  }

  /** Sends the head and what was buffered: from now on events are written as they come. */
  private open(stream: Stream): void {
    const buffered = stream.buffered;
    if (buffered === undefined) return;
    const res = stream.res;
    if (res === undefined || res.writableEnded || res.destroyed) {
      // The client left before it saw a single event id, so it cannot resume what was buffered.
      stream.buffered = undefined;
      stream.unlogged = undefined;
      stream.res = undefined;
      stream.orphan = true;
      return;
    }
    this.logBuffered(stream);
    this.writeSseHead(res, buffered === '');
    if (buffered !== '') res.write(buffered);
    this.watch(stream, res);
  }

  /**
   * The head of a stream. Node sends a head only with the first body bytes, and before
   * 2025-11-25 no priming event follows it: flushed, unless an event is written right after,
   * so that the client sees its stream open before the first message, however late that is.
   */
  private writeSseHead(res: ServerResponse, flush = true): void {
    res.writeHead(200, [...SSE_HEAD, 'Mcp-Session-Id', this.sessionId]);
    if (flush) res.flushHeaders();
  }

  /** A stream whose client goes away is kept (logged) for a client that resumes. */
  private watch(stream: Stream, res: ServerResponse): void {
    res.once('close', () => {
      if (stream.res !== res) return;
      stream.res = undefined;
      this.awaitClient(stream);
    });
  }

  /** Ends a stream: in one write with a Content-Length when nothing was sent yet. */
  private finish(stream: Stream, res: ServerResponse): void {
    const buffered = stream.buffered;
    stream.buffered = undefined;
    stream.unlogged = undefined;
    if (res.writableEnded || res.destroyed) return;
    if (buffered === undefined) {
      res.end();
      return;
    }
    // A header list, no object to spread and walk.
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

  /** Every request of a stream is answered: end it, or keep its events until the client is back. */
  private complete(stream: Stream): void {
    const res = stream.res;
    if (stream.json) {
      if (res === undefined || res.writableEnded) return;
      const collected = stream.collected ?? [];
      // Every request it carried was cancelled: nothing is owed, but the POST must still end.
      if (collected.length === 0) {
        res.writeHead(202, ['Mcp-Session-Id', this.sessionId]).end();
        return;
      }
      writeJsonText(res, 200, stream.batch ? `[${collected.join(',')}]` : collected[0], this.sessionId);
      return;
    }
    // Nobody is listening: its events are kept for a client that resumes with Last-Event-ID.
    if (res === undefined) return this.awaitClient(stream);
    // Events still held back: the stream ends when flush() has written them.
    if (stream.queue !== undefined) return;
    stream.res = undefined;
    this.eventLog?.forget(stream.id);
    this.finish(stream, res);
  }

  /** A POST stream answered in full, its client away: held until it resumes, within the {@link unclaimed} bound. */
  private awaitClient(stream: Stream): void {
    if (stream.pending !== 0 || stream === this.standaloneStream || stream.queue === undefined) return;
    this.unclaimed.add(stream);
    if (this.unclaimed.size <= this.options.replayEvents) return;
    const [oldest] = this.unclaimed;
    this.unclaimed.delete(oldest);
    this.queued.delete(oldest.id);
    const queue = oldest.queue ?? [];
    oldest.queue = undefined;
    oldest.queuedBytes = 0;
    for (const event of queue) if (!event.logged) this.log.record(event.id, oldest.id, event.data);
  }

  private settle(id: RequestId): void {
    const stream = this.requests.get(id);
    if (stream === undefined) return;
    this.requests.delete(id);
    stream.pending -= 1;
    if (stream.pending === 0) this.complete(stream);
  }
}

/** The request a notifications/cancelled names, if the message is one. */
function cancelledBy(message: JsonRpcMessage): RequestId | undefined {
  if (!isNotification(message) || message.method !== 'notifications/cancelled' || !isPlainObject(message.params)) return undefined;
  const id = message.params.requestId;
  return isRequestId(id) ? id : undefined;
}

function queued(id: string, seq: number, data: string, text: string, logged: boolean): QueuedEvent {
  return { id, seq, data, text, bytes: Buffer.byteLength(text), logged };
}
