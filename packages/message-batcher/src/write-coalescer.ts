/**
 * Write coalescing on a Batcher: texts submitted for one connection within a
 * window leave in one call of that connection's `write`, in the order they
 * were submitted. Connections are the batcher's groups, so one batcher process
 * serves every connection and never mixes two in a write.
 *
 * It has the shape of @erlmcp/mcp's OutboundCoalescer (hostNdjson's
 * `coalescer` option) without depending on mcp: pass it there as it is.
 */
import type { ChildSpec, Pid } from '@erlmcp/otp';
import { Batcher } from './batcher';
import { SinkFailedError } from './errors';
import type { BatcherOptions } from './options';

const FLUSH = { flush: true } as const;

export interface OutboundWrite {
  connection: string;
  text: string;
  write: (texts: readonly string[]) => void;
}

export type WriteCoalescerOptions = Omit<BatcherOptions<OutboundWrite, void>, 'sink' | 'groupBy'>;

export class WriteCoalescer {
  readonly batcher: Batcher<OutboundWrite, void>;

  /**
   * Defaults: `adaptive` with a 2 ms budget (a lone message leaves at once, a burst is gathered),
   * up to 512 messages per write.
   */
  constructor(options: WriteCoalescerOptions = {}) {
    this.batcher = Batcher.create<OutboundWrite, void>({
      strategy: 'adaptive',
      targetLatencyMs: 2,
      maxItems: 512,
      ...options,
      groupBy: (w) => w.connection,
      // Every write of a batch is its connection's (one group): one call with all its texts.
      sink: (writes) => {
        writes[0]!.write(writes.map((w) => w.text));
        return new Array<void>(writes.length);
      },
    });
  }

  /**
   * `urgent` (an answer): its connection's batch leaves with it, so an answer never waits
   * for the rest of a window.
   */
  submit(connection: string, text: string, write: (texts: readonly string[]) => void, urgent = false): void {
    this.batcher.add({ connection, text, write }, urgent ? FLUSH : undefined).catch((error: unknown) => {
      // Refused, or the batcher went away before writing it: written alone rather than lost. (A
      // write that threw is not tried again: part of it may be on the wire.)
      if (!(error instanceof SinkFailedError)) write([text]);
    });
  }

  /** Writes what is held now (for every connection). */
  flush(_connection?: string): Promise<void> {
    return this.batcher.flush();
  }

  start(): Promise<Pid> {
    return this.batcher.start();
  }

  childSpec(id?: string): ChildSpec {
    return this.batcher.childSpec(id);
  }

  stop(): Promise<void> {
    return this.batcher.stop();
  }
}
