// One session's SSE output in one file, past 400 lines: the replay log, the per-stream
// queues, the GET stream's backlog and the answers held for absent clients hand events to
// one another (a queued event reaches the log only when written or dropped), and split
// apart they would each need the others' private state.
import type { ServerResponse } from 'node:http';
import { encodePayload } from '../../jsonrpc/codec';
import type { JsonRpcPayload } from '../../jsonrpc/types';
import { type ProtocolVersion, versionAtLeast } from '../../protocol/versions';
import { DEFAULT_MAX_OUTBOUND_BYTES, DEFAULT_OUTBOUND_HIGH_WATER_BYTES } from '../backpressure';
import { EventLog, parseEventId, sseEvent } from './event-log';
import { writeJsonRpcError, writeJsonText } from './responses';
import { SseStreamOverflowError, type SseStreamState } from './sse-overflow';
import { CorkWindow, queued, type QueuedEvent, SseStream, type SseStreamOpener, STANDALONE } from './sse-stream';
import { isAnswer, type OutboundCoalescer } from '../outbound-coalescer';

/** How a session's SSE streams are written; a part of `HttpChannelOptions`. */
export interface SessionStreamsOptions {
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
  /** Gathers the events a stream gets in one window into one socket write (each stays its own event). */
  coalescer?: OutboundCoalescer;
}

/** Ended streams whose events are kept for a late resume (see SessionStreams.forgetLater). */
const KEEP_ENDED = 2;

const SSE_HEAD = [
  'Content-Type',
  'text/event-stream',
  'Cache-Control',
  'no-cache, no-transform',
  'Connection',
  'keep-alive',
];

/**
 * @internal
 * The output side of one session's SSE streams: event ids and the replay log, the queue of
 * a stream whose client reads slowly (or is away), the GET stream's backlog, and the
 * answered POST streams held for a client that may resume. `HttpChannel` decides which
 * stream a message belongs to; this writes it there.
 */
export class SessionStreams implements SseStreamOpener {
  private eventLog: EventLog | undefined;
  /** The last streams that ended, whose events the log still keeps (see forgetLater). */
  private recentlyEnded: string[] | undefined;
  private standaloneStream: SseStream | undefined;
  /** Standalone events written while no GET stream was open, delivered when one opens. */
  private backlog: QueuedEvent[] | undefined;
  /** The backlog's bytes: held within maxOutbound, like a queue nobody reads. */
  private backlogBytes = 0;
  /** Streams with queued events, by id: a POST stream stays here after its requests are answered, until its queue is delivered. */
  private readonly queued = new Map<string, SseStream>();
  /**
   * POST streams whose requests are all answered, holding events for a client that is away,
   * oldest first: past `replayEvents` of them the oldest's events go to the log, so that a
   * client that never resumes cannot make a live session hold answers without bound.
   */
  private readonly unclaimed = new Set<SseStream>();
  private readonly highWater: number;
  private readonly maxOutbound: number;
  /** Its revision, once negotiated, decides priming and how an overflowing stream ends (a field, not a closure: one per session). */
  private session: { readonly protocolVersion: ProtocolVersion | undefined } | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly options: SessionStreamsOptions,
  ) {
    this.highWater = options.highWater ?? DEFAULT_OUTBOUND_HIGH_WATER_BYTES;
    this.maxOutbound = options.maxOutbound ?? Math.max(DEFAULT_MAX_OUTBOUND_BYTES, this.highWater);
  }

  /** The session whose streams these are, before any input. */
  bind(session: { readonly protocolVersion: ProtocolVersion | undefined }): void {
    this.session = session;
  }

  private get protocolVersion(): ProtocolVersion | undefined {
    return this.session?.protocolVersion;
  }

  /** Made with the first event. */
  private get log(): EventLog {
    return (this.eventLog ??= new EventLog(this.options.replayEvents));
  }

  /** The GET stream: made when first needed. */
  get standalone(): SseStream {
    return (this.standaloneStream ??= new SseStream(STANDALONE, this, false, false, undefined, 0, false));
  }

  /** The stream an event id belongs to, while the log keeps that event. */
  streamOfEvent(eventId: string): string | undefined {
    return this.eventLog?.streamOf(eventId);
  }

  /** A stream that still holds queued events, by id. */
  queuedStream(streamId: string): SseStream | undefined {
    return this.queued.get(streamId);
  }

  /** The streams that hold bytes for a client or have one connected, with `requestStreams` (the POST streams still answering). */
  states(requestStreams: Set<SseStream>): SseStreamState[] {
    const streams = new Set(requestStreams);
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

  /** Whether a client reads the GET stream, or a stream whose requests are answered but whose queue is still being written. */
  get connected(): boolean {
    if (this.standaloneStream?.res !== undefined) return true;
    for (const stream of this.queued.values()) if (stream.res !== undefined) return true;
    return false;
  }

  /** Ends every stream, `requestStreams` (the POST streams still answering) with them; nothing is held after. */
  closeAll(requestStreams: Set<SseStream>): void {
    const streams = new Set(requestStreams);
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
  }

  /**
   * A GET without a stream to resume: the standalone stream, with what it missed (after
   * `lastEventId` when it names this stream) and the backlog. 409 when one is already open.
   */
  openStandalone(res: ServerResponse, lastEventId: string | undefined): void {
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
    this.attach(standalone, res, lastEventId, backlog);
  }

  /**
   * A client back for a POST stream it lost (`stream`, or undefined when the stream has
   * ended): replay what it missed, then carry on there.
   */
  resume(streamId: string, stream: SseStream | undefined, lastEventId: string, res: ServerResponse): void {
    if (stream !== undefined && stream.res !== undefined) {
      // A client resumes only a stream it lost: the connection this server still holds for it
      // is dead (its close not seen yet). The new one takes over; what was written to the old
      // one is in the log and is replayed after Last-Event-ID.
      const old = stream.res;
      stream.res = undefined;
      old.destroy();
    }
    if (stream === undefined && this.log.after(lastEventId).length === 0) {
      // Ended, and nothing of it is left to send: an empty stream would only be asked for again.
      return writeJsonRpcError(
        res,
        400,
        -32000,
        'Bad Request: that stream has ended, and none of its events after Last-Event-ID are kept',
      );
    }
    this.writeSseHead(res);
    // A stream whose requests are all answered (pending 0) ends once what it is owed is written.
    stream ??= new SseStream(streamId, this, false, false, undefined, 0, false);
    stream.res = res;
    this.watch(stream, res);
    this.attach(stream, res, lastEventId);
  }

  /**
   * A client (back) on `stream`: what it missed goes first (from the log after
   * `lastEventId`, or `replay`), then the stream's queue, all through {@link flush}.
   */
  private attach(
    stream: SseStream,
    res: ServerResponse,
    lastEventId: string | undefined,
    replay: QueuedEvent[] = [],
  ): void {
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
        if (seq < before && !have.has(seq))
          replay.push(queued(event.id, seq, event.data, sseEvent(event.id, event.data), true));
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
  prime(stream: SseStream): void {
    const version = this.protocolVersion;
    // Older clients may choke on an event without data; 2025-11-25 defines it (SEP-1699).
    if (version !== undefined && !versionAtLeast(version, '2025-11-25')) return;
    this.emitData(stream, '', this.options.retryMs);
  }

  emit(stream: SseStream, payload: JsonRpcPayload): void {
    this.emitData(stream, encodePayload(payload), undefined, isAnswer(payload));
  }

  /** `answer`: it answers requests, so a coalescing window closes with it. */
  emitData(stream: SseStream, data: string, retryMs: number | undefined, answer = false): void {
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
        if (this.options.coalescer === undefined) res.write(event);
        else this.coalesce(stream, res, event, answer || retryMs !== undefined);
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
          while (
            backlog.length > 1 &&
            (backlog.length > this.options.replayEvents || this.backlogBytes > this.maxOutbound)
          ) {
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

  /**
   * Writes an event into the stream's coalescing window (corking its socket if none is
   * open), and tells the coalescer, which closes the window (uncorks) when it is over:
   * at once for an answer or a priming event.
   */
  private coalesce(stream: SseStream, res: ServerResponse, event: string, urgent: boolean): void {
    let window = stream.window;
    if (window === undefined || window.res !== res) {
      res.cork();
      window = stream.window = new CorkWindow(stream, res);
    }
    res.write(event);
    this.options.coalescer!.submit(`${this.sessionId}/${stream.id}`, event, window.uncork, urgent);
  }

  /** Whether a socket has enough unread: it said so (write() returned false) and holds at least the high-water mark. */
  private full(res: ServerResponse): boolean {
    return res.writableNeedDrain && res.writableLength >= this.highWater;
  }

  /** Holds an event back; past the hard cap, ends the stream (connected) or logs the oldest (detached). */
  private enqueue(stream: SseStream, event: QueuedEvent): void {
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

  private awaitDrain(stream: SseStream, res: ServerResponse): void {
    if (stream.drainRes === res) return;
    stream.drainRes = res;
    res.once('drain', () => {
      if (stream.drainRes === res) stream.drainRes = undefined;
      if (stream.res === res && stream.queue !== undefined) this.flush(stream, res);
    });
  }

  /** Writes queued events while the socket takes them; a stream whose requests are all answered ends once its queue is out. */
  private flush(stream: SseStream, res: ServerResponse): void {
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
      this.forgetLater(stream.id);
      res.end();
    }
  }

  /** The client left more than the hard cap unread: end this stream (not the session); its queue waits for a resume. */
  private overflow(stream: SseStream, res: ServerResponse, unread: number): void {
    const version = this.protocolVersion;
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
  private logBuffered(stream: SseStream): void {
    const unlogged = stream.unlogged;
    stream.unlogged = undefined;
    stream.buffered = undefined;
    if (unlogged === undefined) return;
    const log = this.log;
    for (let i = 0; i < unlogged.length; i += 2) log.record(unlogged[i], stream.id, unlogged[i + 1]);
  }

  /** Sends the head and what was buffered: from now on events are written as they come. */
  openStream(stream: SseStream): void {
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
  private watch(stream: SseStream, res: ServerResponse): void {
    res.once('close', () => {
      if (stream.res !== res) return;
      stream.res = undefined;
      this.awaitClient(stream);
    });
  }

  /** Ends a stream: in one write with a Content-Length when nothing was sent yet. */
  private finish(stream: SseStream, res: ServerResponse): void {
    const buffered = stream.buffered;
    // Logged too, for a client whose connection breaks under this one write (see forgetLater).
    this.logBuffered(stream);
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
  complete(stream: SseStream): void {
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
    this.forgetLater(stream.id);
    this.finish(stream, res);
  }

  /**
   * An ended stream's events stay in the log until KEEP_ENDED streams have ended after it.
   * Written is not received: a connection cut after the server wrote the answer (into node's
   * buffer or the kernel's) loses it, and the client resumes with Last-Event-ID for it.
   */
  private forgetLater(streamId: string): void {
    const log = this.eventLog;
    if (log === undefined) return;
    const ended = (this.recentlyEnded ??= []);
    ended.push(streamId);
    if (ended.length > KEEP_ENDED) log.forget(ended.shift()!);
  }

  /** A POST stream answered in full, its client away: held until it resumes, within the {@link unclaimed} bound. */
  private awaitClient(stream: SseStream): void {
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
}
