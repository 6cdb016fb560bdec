/**
 * The server under test as one node behind the front door (`startFrontDoor`, node:cluster):
 * this process is the primary, `workers` processes (front-door-worker.ts) share one port.
 * Used where one process cannot hold what is asked: its open-file limit (20,000 here, and
 * root without CAP_SYS_RESOURCE cannot raise it) caps the WebSocket connections of a process.
 *
 * argv[2] is { workers, maxSessions }. It reports { ready: { wsUrl, pids } } over IPC,
 * answers { cmd: 'stats' } with every process's memory (primary first), and exits on
 * { cmd: 'stop' }.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { startFrontDoor } from '@erlmcp/mcp/hosting';
import { memoryStats } from './memory-stats';
import type { ServerStats } from './spawn';

export interface FrontDoorChildOptions {
  workers: number;
  maxSessions: number;
}

function ask(worker: import('node:cluster').Worker, gc: boolean): Promise<ServerStats> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { stats?: ServerStats }): void => {
      if (message.stats === undefined) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(message.stats);
    };
    const onExit = (): void => reject(new Error(`front-door worker ${String(worker.process.pid)} exited`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send({ cmd: 'stats', gc });
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as FrontDoorChildOptions;
  const door = await startFrontDoor({
    exec: path.join(__dirname, 'front-door-worker.js'),
    workers: options.workers,
    execArgv: ['--expose-gc'],
    env: { LOAD_MAX_SESSIONS: String(options.maxSessions) },
    readyTimeoutMs: 180_000,
    stopTimeoutMs: 60_000,
    maxRestarts: 0, // a worker lost while measured fails the row; none comes back empty in its place
  });
  process.on('message', (message: { cmd: string; gc?: boolean }) => {
    if (message.cmd === 'stats') {
      const gc = message.gc === true;
      void (async () => {
        const primary = memoryStats(0, gc);
        const workers = await Promise.all(Object.values(cluster.workers ?? {}).map((w) => ask(w!, gc)));
        process.send!({ stats: [primary, ...workers] });
      })().catch((error: unknown) => process.send!({ error: (error as Error).message }));
    } else if (message.cmd === 'stop') {
      void door.close().finally(() => process.exit(0));
    }
  });
  process.send!({ ready: { wsUrl: door.url.replace(/^http/, 'ws').replace(/\/mcp$/, '/ws'), pids: door.pids() } });
}

main().catch((error: unknown) => {
  console.error('front-door server:', error);
  process.exit(1);
});
