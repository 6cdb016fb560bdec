import { GenStatem, type StatemEvent } from '@erlmcp/otp';

/**
 * A circuit breaker guarding an upstream, as a GenStatem:
 *
 *   closed ──(limit failures in a row)──> open ──(state timeout: coolDownMs)──> half_open
 *     ^                                    ^                                        │
 *     └──────────(the trial call works)────┼────────────────────────────────────────┤
 *                                          └──────────(the trial call fails)────────┘
 *
 * Open fails fast without touching the upstream; half_open lets one call through to decide.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';
export type BreakerCall = { run: () => Promise<string> };
export type BreakerReply = { ok: string } | { error: string };
type Data = { failures: number; limit: number; coolDownMs: number };

export const breaker = GenStatem.define({
  name: 'breaker',
  callbackMode: 'handle_event_function',
  stateEnter: true,
  init: (opts: { limit: number; coolDownMs: number }) =>
    GenStatem.ok<BreakerState, Data>('closed', { failures: 0, ...opts }),
  async handleEvent(event: StatemEvent<BreakerCall, never, never, BreakerState>, state: BreakerState, data: Data) {
    switch (event.type) {
      case 'enter':
        return state === 'open'
          ? GenStatem.keepStateAndData([GenStatem.stateTimeout(data.coolDownMs, 'cooled down')])
          : GenStatem.keepStateAndData();
      case 'state_timeout':
        return GenStatem.nextState<BreakerState, Data>('half_open', data);
      case 'call': {
        const reply = (value: BreakerReply) => GenStatem.reply(event.from, value);
        if (state === 'open')
          return GenStatem.keepStateAndData([reply({ error: 'circuit open: not calling the upstream' })]);
        try {
          const result = await event.request.run();
          return GenStatem.nextState<BreakerState, Data, BreakerReply>('closed', { ...data, failures: 0 }, [
            reply({ ok: result }),
          ]);
        } catch (error) {
          const failures = data.failures + 1;
          const next: BreakerState = state === 'half_open' || failures >= data.limit ? 'open' : 'closed';
          return GenStatem.nextState(next, { ...data, failures }, [
            reply({ error: error instanceof Error ? error.message : String(error) }),
          ]);
        }
      }
      default:
        return GenStatem.keepStateAndData();
    }
  },
});
