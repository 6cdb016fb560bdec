import { dispatch, query, spawn, start, stop } from 'nact';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

/** The same work as ours.ts, done with nact 7.6.2 the way its documentation shows. */
async function onSystem<T>(fn: (system: ReturnType<typeof start>) => Promise<T>): Promise<T> {
  const system = start();
  try {
    return await fn(system);
  } finally {
    stop(system);
  }
}

export function cast(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const counter = spawn(system, (n: number = 0) => {
      if (n + 1 === size) finished();
      return n + 1;
    });
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) dispatch(counter, i);
      await done;
    });
    return { value };
  });
}

type Query = { sender: Parameters<typeof dispatch>[0]; value: number };

function echoActor(system: ReturnType<typeof start>) {
  return spawn(system, (n: number = 0, msg: Query) => {
    dispatch(msg.sender, msg.value);
    return n + 1;
  });
}

export function call(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    const echo = echoActor(system);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) await query(echo, (sender) => ({ sender, value: i }), 5000);
    });
    return { value };
  });
}

export function callConcurrent(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    const echo = echoActor(system);
    const callers = 100;
    const each = Math.ceil(size / callers);
    const value = await ratePerSecond(each * callers, async () => {
      await Promise.all(
        Array.from({ length: callers }, async () => {
          for (let i = 0; i < each; i++) await query(echo, (sender) => ({ sender, value: i }), 5000);
        }),
      );
    });
    return { value };
  });
}

export function pingPong(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const pong = spawn(system, (state: number = 0, msg: { from: Parameters<typeof dispatch>[0] }) => {
      dispatch(msg.from, 'pong');
      return state;
    });
    let exchanges = 0;
    const ping = spawn(system, (state: number = 0, _msg: unknown, ctx) => {
      if (++exchanges === size) finished();
      else dispatch(pong, { from: ctx.self });
      return state;
    });
    const value = await ratePerSecond(size, async () => {
      dispatch(pong, { from: ping });
      await done;
    });
    return { value };
  });
}

const idle = (state: number = 0) => state;

export function spawnRate(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    const value = await ratePerSecond(size, () => {
      for (let i = 0; i < size; i++) spawn(system, idle, `a${i}`); // nact's random anonymous names collide at this scale
    });
    return { value };
  });
}

export function processMemory(size: number): Promise<Measurement> {
  return onSystem(async (system) => {
    const before = heapAfterGc();
    const refs: unknown[] = [];
    for (let i = 0; i < size; i++) refs.push(spawn(system, idle, `a${i}`));
    const after = heapAfterGc();
    return { value: (after - before - refs.length * 8) / size };
  });
}
