import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { WaitingInputs, type WaitingLink } from '../src/transport/http/waiting-inputs';

type Op = { op: 'hold'; session: number } | { op: 'release'; pick: number } | { op: 'end'; session: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant<'hold'>('hold'), session: fc.nat({ max: 3 }) }),
    fc.record({ op: fc.constant<'release'>('release'), pick: fc.nat({ max: 50 }) }),
    fc.record({ op: fc.constant<'end'>('end'), session: fc.nat({ max: 3 }) }),
  ),
  { maxLength: 80 },
);

describe('WaitingInputs: requests handed to a session and not yet taken', () => {
  it('a session that ends answers exactly its inputs still held, in the order they came, each once', () => {
    fc.assert(
      fc.property(ops, (script: Op[]) => {
        const waiting = new WaitingInputs();
        const inputs: WaitingLink[] = [];
        // The model: input index → session, for inputs still held, in hold order.
        const model = new Map<number, string>();
        const answered: number[] = [];
        for (const step of script) {
          if (step.op === 'hold') {
            const input: WaitingLink = { res: { index: inputs.length } as unknown as ServerResponse };
            waiting.hold(input, `s${step.session}`);
            model.set(inputs.length, `s${step.session}`);
            inputs.push(input);
          } else if (step.op === 'release' && inputs.length > 0) {
            const index = step.pick % inputs.length;
            waiting.release(inputs[index]); // again, or after its session ended: harmless
            model.delete(index);
          } else if (step.op === 'end') {
            const owner = `s${step.session}`;
            const got: number[] = [];
            waiting.releaseSession(owner, (res) => got.push((res as unknown as { index: number }).index));
            const expected = [...model].filter(([, s]) => s === owner).map(([index]) => index);
            expect(got).toEqual(expected);
            for (const index of expected) model.delete(index);
            answered.push(...got);
          }
        }
        // Whatever is left is answered when its session ends, and nothing twice.
        for (const session of [0, 1, 2, 3])
          waiting.releaseSession(`s${session}`, (res) => answered.push((res as unknown as { index: number }).index));
        expect(new Set(answered).size).toBe(answered.length);
        for (const index of model.keys()) expect(answered).toContain(index);
      }),
      { numRuns: 300 },
    );
  });
});
