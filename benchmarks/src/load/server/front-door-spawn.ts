import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FrontDoorChildOptions } from './front-door-child';
import type { ServerStats } from './spawn';

export interface FrontDoorUnderTest {
  wsUrl: string;
  /** The primary's pid, then the workers'. */
  pids: number[];
  /** Each process's memory and sessions, the primary first; `gc` runs full collections first. */
  stats(gc?: boolean): Promise<ServerStats[]>;
  stop(): Promise<void>;
}

/** Starts front-door-child.ts in its own process: one node, `workers` processes behind one port. */
export async function startFrontDoorUnderTest(options: FrontDoorChildOptions): Promise<FrontDoorUnderTest> {
  const child: ChildProcess = fork(path.join(__dirname, 'front-door-child.js'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ wsUrl: string; pids: number[] }>((resolve, reject) => {
    child.once('message', (message: { ready: { wsUrl: string; pids: number[] } }) => resolve(message.ready));
    child.once('exit', (code) => reject(new Error(`the front door exited (${String(code)}) before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    wsUrl: ready.wsUrl,
    pids: [child.pid!, ...ready.pids],
    stats: (gc = false) =>
      new Promise((resolve, reject) => {
        const onExit = (): void => reject(new Error('the front door exited'));
        child.once('exit', onExit);
        child.once('message', (message: { stats?: ServerStats[]; error?: string }) => {
          child.off('exit', onExit);
          if (message.stats === undefined) reject(new Error(`front door stats: ${message.error ?? '?'}`));
          else resolve(message.stats);
        });
        child.send({ cmd: 'stats', gc });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
