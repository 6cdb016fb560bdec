/**
 * Servers the benchmarks start on worker schedulers, by module path and
 * export (this file, compiled next to the runner in dist/).
 */
import { GenServer, noreply, ok, reply, send, type Pid } from '@erlmcp/otp';

/** Counts casts; tells `notify` once `expected` have arrived. As little work per message as the peer's counter. */
export const sink = GenServer.define({
  init: ({ notify, expected }: { notify: Pid; expected: number }) => ok({ notify, expected, n: 0 }),
  handleCast: (_message: number, s: { notify: Pid; expected: number; n: number }) => {
    if (++s.n === s.expected) send(s.notify, 'done');
    return noreply(s);
  },
});

/** Replies with what it was sent. */
export const echo = GenServer.define({
  init: () => ok(null),
  handleCall: (request: number, _from, s: null) => reply(request, s),
});

/** CPU-bound work per call: the parallel-work unit. */
export const cruncher = GenServer.define({
  init: () => ok(0),
  handleCall: (iterations: number, _from, n: number) => {
    let x = 0;
    for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1000003;
    return reply(x, n + 1);
  },
});
