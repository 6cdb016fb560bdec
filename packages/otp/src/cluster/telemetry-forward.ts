/**
 * Telemetry of worker schedulers, on the main thread's bus. Each worker listens on its own
 * bus for the events the main thread asked for, keeps them in a buffer and sends the buffer
 * every FLUSH_MS as one message (msgpack, with pids as pids): a busy worker costs one
 * postMessage per 100 ms, not one per event. The main thread emits them again on its bus, so
 * a subscriber there (observability) sees every scheduler's events.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TelemetryBus, TelemetryEvents } from '../telemetry';
import { Codec } from './codec';

/** How often a worker sends what it buffered, ms. */
export const TELEMETRY_FLUSH_MS = 100;
/** Events a worker keeps between two flushes; past it, it counts the rest as dropped. */
export const TELEMETRY_BUFFER_EVENTS = 65_536;

type Emit = (event: string, payload: unknown) => void;

/** One batch: the events as [name, payload, name, payload, ...], and how many were dropped. */
interface Batch {
  events: unknown[];
  dropped: number;
}

/** The worker's half: forwards the named events of its bus to `port`. */
export class TelemetryForwarder {
  private readonly codec = new Codec();
  private readonly listeners = new Map<string, (payload: unknown) => void>();
  private buffer: unknown[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: TelemetryBus,
    private readonly port: MessagePort,
  ) {}

  /** Forwards exactly these events from now on. */
  set(events: readonly string[]): void {
    const wanted = new Set(events);
    const on = this.bus as unknown as {
      on(e: string, f: (p: unknown) => void): void;
      off(e: string, f: (p: unknown) => void): void;
    };
    for (const [event, listener] of this.listeners) {
      if (!wanted.has(event)) {
        on.off(event, listener);
        this.listeners.delete(event);
      }
    }
    for (const event of wanted) {
      if (this.listeners.has(event)) continue;
      const listener = (payload: unknown): void => {
        if (this.buffer.length >= TELEMETRY_BUFFER_EVENTS * 2) this.dropped++;
        else this.buffer.push(event, payload);
      };
      on.on(event, listener);
      this.listeners.set(event, listener);
    }
    if (this.listeners.size > 0 && this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), TELEMETRY_FLUSH_MS);
      this.timer.unref();
    } else if (this.listeners.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Sends what is buffered, as one message. */
  flush(): void {
    if (this.buffer.length === 0 && this.dropped === 0) return;
    const batch: Batch = { events: this.buffer, dropped: this.dropped };
    this.buffer = [];
    this.dropped = 0;
    const bytes = this.encode(batch);
    // The codec's bytes are a view into its own buffer: send a copy the port can take.
    const copy = bytes.slice();
    this.port.postMessage(copy, [copy.buffer]);
  }

  stop(): void {
    this.flush();
    this.set([]);
  }

  private encode(batch: Batch): Uint8Array {
    try {
      return this.codec.encode(batch);
    } catch {
      // A payload with no serialized form (a function in a reason): drop that one, keep the rest.
      const kept: unknown[] = [];
      for (let i = 0; i < batch.events.length; i += 2) {
        try {
          this.codec.encode(batch.events[i + 1]);
          kept.push(batch.events[i], batch.events[i + 1]);
        } catch {
          batch.dropped++;
        }
      }
      return this.codec.encode({ events: kept, dropped: batch.dropped });
    }
  }
}

/** The main thread's half: emits a worker's batch on the main bus. */
export function telemetryReceiver(bus: TelemetryBus, scheduler: number): (bytes: Uint8Array) => void {
  const codec = new Codec();
  const emit = bus.emit.bind(bus) as unknown as Emit;
  return (bytes) => {
    let batch: Batch;
    try {
      batch = codec.decode(bytes) as Batch;
    } catch {
      return; // not ours
    }
    const events = batch.events;
    for (let i = 0; i < events.length; i += 2) {
      try {
        emit(events[i] as string, events[i + 1]);
      } catch {
        // A listener's throw is its own bug: it must not cost the other events, nor this thread.
      }
    }
    if (batch.dropped > 0) bus.emit('telemetry:dropped', { scheduler, events: batch.dropped });
  };
}

/** Event names a caller may forward: any the typed bus knows, or an extension's own. */
export type ForwardedEvent = keyof TelemetryEvents | (string & {});
