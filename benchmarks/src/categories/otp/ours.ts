import { GenServer, noreply, ok, reply, spawn, type Behaviour, type Pid, type ProcessContext } from '@erlmcp/otp';
import { onNode } from '../../harness/node';
import { heapAfterGc, ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

/** Every scenario runs on a fresh one-scheduler node (nact is single-threaded too), stopped afterwards. */
const onOneScheduler = <T>(fn: () => Promise<T>): Promise<T> => onNode(1, fn);

const echo = GenServer.define({
  init: () => ok(0),
  handleCall: (request: number, _from, n: number) => reply(request, n + 1),
});

export function cast(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const counter = GenServer.define({
      init: () => ok(0),
      handleCast: (_message: number, n: number) => {
        if (n + 1 === size) finished();
        return noreply(n + 1);
      },
    });
    const pid = await GenServer.start(counter, undefined);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) GenServer.cast(pid, i);
      await done;
    });
    return { value };
  });
}

export function call(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    const pid = await GenServer.start(echo, undefined);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) await GenServer.call(pid, i);
    });
    return { value };
  });
}

export function callConcurrent(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    const pid = await GenServer.start(echo, undefined);
    const callers = 100;
    const each = Math.ceil(size / callers);
    const value = await ratePerSecond(each * callers, async () => {
      await Promise.all(
        Array.from({ length: callers }, async () => {
          for (let i = 0; i < each; i++) await GenServer.call(pid, i);
        }),
      );
    });
    return { value };
  });
}

export function pingPong(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const pong: Behaviour = {
      kind: 'pong',
      handleMessage: (from: unknown, ctx: ProcessContext) => ctx.send(from as Pid, 'pong'),
    };
    let exchanges = 0;
    const ping: Behaviour = {
      kind: 'ping',
      handleMessage: (_message: unknown, ctx: ProcessContext) => {
        if (++exchanges === size) finished();
        else ctx.send(pongPid, ctx.self);
      },
    };
    const pongPid = spawn(pong);
    const pingPid = spawn(ping);
    const value = await ratePerSecond(size, async () => {
      spawn((ctx) => ctx.send(pongPid, pingPid));
      await done;
    });
    return { value };
  });
}

const idle: Behaviour = { kind: 'idle', handleMessage: () => undefined };

export function spawnRate(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    const value = await ratePerSecond(size, () => {
      for (let i = 0; i < size; i++) spawn(idle);
    });
    return { value };
  });
}

export function processMemory(size: number): Promise<Measurement> {
  return onOneScheduler(async () => {
    const before = heapAfterGc();
    const pids: Pid[] = [];
    for (let i = 0; i < size; i++) pids.push(spawn(idle));
    const after = heapAfterGc();
    // The pid array is the caller's, not the process's: subtract its 8 bytes a slot.
    return { value: (after - before - pids.length * 8) / size };
  });
}
