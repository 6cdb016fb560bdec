import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ServerChildOptions {
  /** The host's session limit (its default is 100,000): the scale rows raise it. */
  maxSessions?: number;
}

export interface ServerAddresses {
  /** Streamable HTTP, SSE replies. */
  sseUrl: string;
  /** Streamable HTTP, JSON replies. */
  jsonUrl: string;
  wsUrl: string;
  tcpPort: number;
}

export interface ServerStats {
  rss: number;
  /** V8 heap in use: what the program holds, without the allocator's and V8's retained pages. */
  heapUsed: number;
  /** Memory of C++ objects bound to JS ones (Buffers, ArrayBuffers): native memory V8 knows of. */
  external: number;
  sessions: number;
}

export interface ServerUnderTest {
  addresses: ServerAddresses;
  pid: number;
  /** Its soft open-file limit, after raising it as asked (it cannot pass the hard limit without CAP_SYS_RESOURCE). */
  fileLimit: number;
  /** RSS and live sessions; `gc` runs a full collection first (so RSS is what is held). */
  stats(gc?: boolean): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** The soft open-file limit of process `pid`, from /proc (Linux); 0 when it cannot be read. */
function softFileLimit(pid: number): number {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const value = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(value) ? value : 0;
  } catch {
    return 0;
  }
}

/**
 * Raises the open-file limit (soft and hard) of process `pid` with prlimit(1) (util-linux);
 * raising the hard limit needs CAP_SYS_RESOURCE (root), so failing that it raises the soft
 * one as far as it may. Returns the soft limit now in force: the caller checks it is enough.
 */
export function raiseFileLimit(pid: number, wanted: number): number {
  const now = softFileLimit(pid);
  if (now >= wanted) return now; // never lowers it
  for (const spec of [`${wanted}:${wanted}`, `${wanted}:`]) {
    try {
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${spec}`], { stdio: 'ignore' });
      break;
    } catch {
      // not allowed, past the hard limit, or no prlimit: what is in force is reported below
    }
  }
  return softFileLimit(pid);
}

/** Starts the server under test (server/child.ts) in its own process, with `fileLimit` open files. */
export async function startServerUnderTest(options: ServerChildOptions = {}, fileLimit = 0): Promise<ServerUnderTest> {
  const child: ChildProcess = fork(path.join(__dirname, 'child.js'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const addresses = await new Promise<ServerAddresses>((resolve, reject) => {
    child.once('message', (message: { ready: ServerAddresses }) => resolve(message.ready));
    child.once('exit', (code) => reject(new Error(`the server under test exited (${String(code)}) before listening`)));
  });
  const limit = fileLimit > 0 ? raiseFileLimit(child.pid!, fileLimit) : softFileLimit(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    addresses,
    pid: child.pid!,
    fileLimit: limit,
    stats: (gc = false) =>
      new Promise((resolve, reject) => {
        const onExit = (): void => reject(new Error('the server under test exited'));
        child.once('exit', onExit);
        child.once('message', (message: { stats: ServerStats }) => {
          child.off('exit', onExit);
          resolve(message.stats);
        });
        child.send({ cmd: 'stats', gc });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
