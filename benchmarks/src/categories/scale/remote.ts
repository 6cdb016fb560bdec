/**
 * Processes the message_throughput and scaling rows start on any scheduler, by module path
 * and export (this file, compiled next to the runner in dist/).
 */
import { GenServer, noreply, ok, send, type Pid } from '@erlmcp/otp';
import { ownThreadId } from '../../harness/thread-time';

interface SinkState {
  notify: Pid;
  expected: number;
  n: number;
}

/** A sink's thread, sent to `notify` as it starts when asked (`reportThread`). */
export interface SinkThread {
  sinkThread: number | undefined;
}

/** Counts casts; tells `notify` once `expected` have arrived. */
export const sink = GenServer.define({
  init: ({ notify, expected, reportThread }: { notify: Pid; expected: number; reportThread?: boolean }) => {
    if (reportThread === true) send(notify, { sinkThread: ownThreadId() } satisfies SinkThread);
    return ok<SinkState>({ notify, expected, n: 0 });
  },
  handleCast: (_message: number, s: SinkState) => {
    if (++s.n === s.expected) send(s.notify, 'sink_done');
    return noreply(s);
  },
});

/** Messages a producer sends to each target before it lets the scheduler run the others. */
export const BURST = 2_000;

/**
 * Casts `count` messages to each target, a burst at a time, yielding to the event loop
 * between bursts so the sinks (and the ring to another scheduler) drain as it goes.
 */
export async function producer(_ctx: unknown, targets: Pid[], count: number): Promise<void> {
  for (let sent = 0; sent < count;) {
    const end = Math.min(count, sent + BURST);
    for (const target of targets) for (let i = sent; i < end; i++) GenServer.cast(target, i as never);
    sent = end;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
