/**
 * Processes the message_throughput and scaling rows start on any scheduler, by module path
 * and export (this file, compiled next to the runner in dist/).
 */
import { GenServer, noreply, ok, send, type Pid } from '@erlmcp/otp';

interface SinkState {
  notify: Pid;
  expected: number;
  n: number;
}

/** Counts casts; tells `notify` once `expected` have arrived. */
export const sink = GenServer.define({
  init: ({ notify, expected }: { notify: Pid; expected: number }) => ok<SinkState>({ notify, expected, n: 0 }),
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
