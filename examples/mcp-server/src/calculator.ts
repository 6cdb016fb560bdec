import { GenServer, reply } from '@erlmcp/otp';

export type Operation = 'add' | 'subtract' | 'multiply' | 'divide' | 'power';

// A type alias, not an interface: tool arguments must be indexable records.
export type Calculation = {
  op: Operation;
  a: number;
  b: number;
};

export interface CalculatorState {
  /** Calculations done since this worker (re)started. */
  count: number;
}

export type CalculatorCall = { kind: 'calculate'; calculation: Calculation } | { kind: 'count' };

/** Registered name of the calculator worker. */
export const CALCULATOR = 'mcp_calculator';

function apply({ op, a, b }: Calculation): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      return a / b;
    case 'power':
      return a ** b;
  }
}

/** The calculator tool's worker: a GenServer in the tool-worker supervisor, shared by all sessions. */
export const calculator = GenServer.define({
  name: 'calculator',
  init: () => ({ kind: 'ok' as const, state: { count: 0 } as CalculatorState }),
  handleCall(request: CalculatorCall, _from, state: CalculatorState) {
    if (request.kind === 'count') return reply<CalculatorState, number>(state.count, state);
    const result = apply(request.calculation);
    return reply<CalculatorState, number>(result, { count: state.count + 1 });
  },
});
