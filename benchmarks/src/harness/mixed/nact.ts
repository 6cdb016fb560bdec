/**
 * The mixed application's nact part: ten actors with different state shapes, queried and
 * dispatched to, so that when the peer of the otp category (nact) is measured, its own hot
 * paths have seen a real program's variety too, as ours have.
 */
import { dispatch, query, spawn, start, stop } from 'nact';

export interface NactPart {
  stop(): void;
}

type Sender = Parameters<typeof dispatch>[0];
type Msg = { sender?: Sender; value: number };

/** Each initial state and the step that moves it: numbers, strings, arrays, maps, records, classes. */
class Tally {
  constructor(
    readonly n: number,
    readonly last: number,
  ) {}
}

const shapes: Array<{ init: unknown; step: (state: unknown, value: number) => unknown }> = [
  { init: 0, step: (s, v) => (s as number) + v },
  { init: '', step: (s, v) => ((s as string) + v).slice(-16) },
  { init: [] as number[], step: (s, v) => [...(s as number[]).slice(-7), v] },
  { init: new Map<number, number>(), step: (s, v) => (s as Map<number, number>).set(v % 13, v) },
  {
    init: { count: 0, sum: 0 },
    step: (s, v) => ({ count: (s as { count: number }).count + 1, sum: (s as { sum: number }).sum + v }),
  },
  { init: new Tally(0, 0), step: (s, v) => new Tally((s as Tally).n + 1, v) },
  { init: { user: { id: 1, name: 'ada' }, seen: 0 }, step: (s, v) => ({ ...(s as object), seen: v }) },
  { init: new Set<number>(), step: (s, v) => (s as Set<number>).add(v % 17) },
  { init: new Float64Array(2), step: (s, v) => (((s as Float64Array)[v % 2] = v), s) },
  {
    init: { head: null as unknown, depth: 0 },
    step: (s, v) => ({ head: { v, next: null }, depth: (s as { depth: number }).depth + 1 }),
  },
];

export async function exerciseNact(): Promise<NactPart> {
  const system = start();
  const actors = shapes.map(({ init, step }, i) =>
    spawn(
      system,
      (state: unknown = init, msg: Msg) => {
        const next = step(state, msg.value);
        if (msg.sender !== undefined) dispatch(msg.sender, msg.value);
        return next;
      },
      `mixed_${i}`,
    ),
  );
  for (let round = 0; round < 200; round++) {
    for (const actor of actors) {
      dispatch(actor, { value: round });
      await query(actor, (sender: Sender) => ({ sender, value: round }), 5000);
    }
  }
  return { stop: () => stop(system) };
}
