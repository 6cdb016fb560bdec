import type { ServerResponse } from 'node:http';

/** @internal The id of a session's standalone (GET) stream; POST streams are `p1`, `p2`, ... */
export const STANDALONE = 's';

/** @internal An event not written to its stream's socket yet. */
export interface QueuedEvent {
  readonly id: string;
  readonly seq: number;
  readonly data: string;
  readonly text: string;
  readonly bytes: number;
  /** Already in the event log (a replay): not recorded again when written. */
  readonly logged: boolean;
}

/** @internal */
export function queued(id: string, seq: number, data: string, text: string, logged: boolean): QueuedEvent {
  return { id, seq, data, text, bytes: Buffer.byteLength(text), logged };
}

/**
 * @internal
 * What a lazily opened stream needs of the side that writes it: at the end of the turn in
 * which its POST arrived, a stream still unanswered asks to be opened (its head and what it
 * buffered are sent). `SessionStreams` implements it.
 */
export interface SseStreamOpener {
  openStream(stream: SseStream): void;
}

/** @internal One stream of answers: a POST's (its requests' responses) or the standalone GET stream. */
export class SseStream {
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
  /** The coalescer's window open on `res` (its socket corked), if any. */
  window: CorkWindow | undefined;

  constructor(
    readonly id: string,
    readonly opener: SseStreamOpener,
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

/**
 * Streams still buffered when their turn ends, across every session: one setImmediate per
 * turn opens them all, rather than a timer for each request.
 */
const toOpen: SseStream[] = [];
let openScheduled = false;

/** @internal Opens `stream` at the end of this turn of the event loop, through its {@link SseStreamOpener}. */
export function openLater(stream: SseStream): void {
  toOpen.push(stream);
  if (openScheduled) return;
  openScheduled = true;
  setImmediate(openWaiting);
}

function openWaiting(): void {
  openScheduled = false;
  const streams = toOpen.splice(0);
  for (const stream of streams) stream.opener.openStream(stream);
}

/**
 * @internal
 * A coalescing window on one response: its socket was corked at the window's first event,
 * and the events written since wait there, in order; the coalescer calls `uncork` when the
 * window closes, and they leave in one TCP write. Every event of the window is submitted
 * with the same `uncork`, which acts once, and not after the response ended (`end()`
 * uncorks fully, and its socket may carry another response by then).
 */
export class CorkWindow {
  constructor(
    private readonly stream: SseStream,
    readonly res: ServerResponse,
  ) {}

  readonly uncork = (): void => {
    if (this.stream.window !== this) return;
    this.stream.window = undefined;
    if (!this.res.writableEnded && !this.res.destroyed) this.res.uncork();
  };
}
