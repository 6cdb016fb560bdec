import { Batcher, ManualClock, type BatcherOptions } from '@erlmcp/message-batcher';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets the batcher process handle what is in its mailbox (a few event-loop turns, no fixed delay). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Polls `check` until it holds (jest's timeout is the only bound). */
export async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await sleep(1);
}

/** A promise the test resolves by hand, to hold a sink. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void; fail: (error: unknown) => void } {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** How a promise settled, without throwing. */
export async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A started batcher on a manual clock, whose sink records each batch it got. */
export async function recording<I, R>(
  answer: (items: I[]) => R[] | Promise<R[]>,
  options: Omit<BatcherOptions<I, R>, 'sink'> = {},
): Promise<{ batcher: Batcher<I, R>; batches: I[][]; clock: ManualClock }> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const batches: I[][] = [];
  const batcher = Batcher.create<I, R>({
    clock,
    ...options,
    sink: (items) => {
      batches.push([...items]);
      return answer(items);
    },
  });
  await batcher.start();
  return { batcher, batches, clock };
}
