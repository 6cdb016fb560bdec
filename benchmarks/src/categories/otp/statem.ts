import { GenStatem, type StatemEvent } from '@erlmcp/otp';
import { onNode } from '../../harness/node';
import { ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

/** The same echo as ours.ts's GenServer, as a one-state statem: reply action, data + 1. */
const echo = GenStatem.define({
  callbackMode: 'state_functions',
  init: () => GenStatem.ok('ready', 0),
  states: {
    ready: (event: StatemEvent<number>, n: number) =>
      event.type === 'call'
        ? GenStatem.keepState(n + 1, [GenStatem.reply(event.from, event.request)])
        : GenStatem.keepStateAndData(),
  },
});

/** Sequential GenStatem call round trips on one scheduler (the peer is GenServer's `call`). */
export function statemCall(size: number): Promise<Measurement> {
  return onNode(1, async () => {
    const pid = await GenStatem.start(echo, undefined);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) await GenStatem.call(pid, i);
    });
    return { value };
  });
}
