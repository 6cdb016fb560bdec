/** One SSE event as written: its id and its data line. */
export interface LoggedEvent {
  readonly id: string;
  readonly data: string;
}

/**
 * A session's SSE events, kept so a client that lost a stream can resume it with
 * Last-Event-ID. Event ids are `<stream>.<seq>`: the id names its stream, and seq orders
 * events within the session. Bounded: the oldest events go first.
 */
export class EventLog {
  private seq = 0;
  // Made on the first event and dropped when empty again: idle sessions hold no table.
  private events: Map<string, { stream: string; data: string }> | undefined;

  constructor(private readonly capacity: number) {}

  append(stream: string, data: string): string {
    const id = this.nextId(stream);
    this.record(id, stream, data);
    return id;
  }

  /** The id of the next event of `stream`, for an event that is logged later (or never). */
  nextId(stream: string): string {
    return `${stream}.${++this.seq}`;
  }

  /** Logs an event whose id came from {@link nextId}; a stream's events must be recorded in the order of their ids. */
  record(id: string, stream: string, data: string): void {
    this.events ??= new Map();
    this.events.set(id, { stream, data });
    if (this.events.size > this.capacity) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
  }

  /** The stream an event id belongs to, if that event is still kept. */
  streamOf(eventId: string): string | undefined {
    return this.events?.get(eventId)?.stream;
  }

  /**
   * Events of `eventId`'s stream kept from after it (priming events, with empty data, left
   * out). By id, so this holds too for an event the log has dropped since: what is kept of
   * its stream is then all newer.
   */
  after(eventId: string): LoggedEvent[] {
    const from = parseEventId(eventId);
    if (this.events === undefined || from === undefined) return [];
    const out: LoggedEvent[] = [];
    for (const [id, event] of this.events) {
      if (event.stream === from.stream && event.data !== '' && parseEventId(id)!.seq > from.seq)
        out.push({ id, data: event.data });
    }
    return out;
  }

  /** Forgets a stream that was delivered in full. */
  forget(stream: string): void {
    const events = this.events;
    if (events === undefined) return;
    for (const [id, event] of events) if (event.stream === stream) events.delete(id);
    if (events.size === 0) this.events = undefined;
  }
}

/** The stream and sequence number an event id of {@link EventLog.nextId} names; undefined for any other text. */
export function parseEventId(eventId: string): { stream: string; seq: number } | undefined {
  const dot = eventId.lastIndexOf('.');
  const digits = eventId.slice(dot + 1);
  if (dot <= 0 || !/^[0-9]+$/.test(digits)) return undefined;
  return { stream: eventId.slice(0, dot), seq: Number(digits) };
}

/** One SSE event; `data` is a single line of JSON (JSON.stringify never emits a newline). */
export function sseEvent(id: string | undefined, data: string, retryMs?: number): string {
  let out = '';
  if (id !== undefined) out += `id: ${id}\n`;
  if (retryMs !== undefined) out += `retry: ${retryMs}\n`;
  return `${out}data: ${data}\n\n`;
}
