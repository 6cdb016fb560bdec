import { GenServer, noreply, ok, reply } from '@erlmcp/otp';

export type CalculatorCall = { op: 'divide'; a: number; b: number } | { op: 'total' };

/** Keeps a running total of quotients. A division by zero is a bug it does not handle: it crashes. */
export const calculator = GenServer.define({
  name: 'calculator',
  init: () => ok({ total: 0 }),
  handleCall: (req: CalculatorCall, _from, state: { total: number }) => {
    if (req.op === 'total') return reply(state.total, state);
    if (req.b === 0) throw new RangeError(`cannot divide ${req.a} by zero`);
    const q = req.a / req.b;
    return reply(q, { total: state.total + q });
  },
  handleCast: (_msg: 'reset', _state: { total: number }) => noreply({ total: 0 }),
});
