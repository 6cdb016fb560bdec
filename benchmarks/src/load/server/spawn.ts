import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pinProcess, type PinResult } from '../affinity';
import type { LoopStats } from '../loop-monitor';
import type { TraceLog } from '../stall-trace';

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
  /** V8 heap committed (its spaces' sizes): pages V8 keeps after a GC count in RSS. */
  heapTotal: number;
  /** Of `external`, the ArrayBuffers' (socket and stream Buffers among them). */
  arrayBuffers: number;
  /** Resident bytes of each V8 heap space (new_space, old_space, code_space, ...): their share of RSS. */
  spaces: Record<string, number>;
  /** Open descriptors (Linux; 0 elsewhere): sockets left open would show here. */
  fds: number;
  sessions: number;
}

export interface ServerUnderTest {
  addresses: ServerAddresses;
  pid: number;
  /** Its soft open-file limit, after raising it as asked (it cannot pass the hard limit without CAP_SYS_RESOURCE). */
  fileLimit: number;
  /** RSS and live sessions; `gc` runs a full collection first (so RSS is what is held). */
  stats(gc?: boolean): Promise<ServerStats>;
  /** Its event-loop delay and GC pauses since the last call (or its start). */
  loop(): Promise<LoopStats>;
  /** Its log of event-loop stalls, GC pauses and memory samples since it started. */
  trace(): Promise<TraceLog>;
  /** Whether it was pinned to the CPUs asked for (`cpus`), and why not. */
  pinned: PinResult;
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

/** Sends `message` and resolves with the next answer that carries `key`. */
function ask<T>(child: ChildProcess, key: string, message: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (): void => reject(new Error('the server under test exited'));
    const onMessage = (answer: Record<string, unknown>): void => {
      if (!(key in answer)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(answer[key] as T);
    };
    child.once('exit', onExit);
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * Starts the server under test (server/child.ts) in its own process, with `fileLimit` open
 * files, all its threads pinned to `cpus` (a taskset list, "0") when given and possible, and
 * `flags` added to its Node flags (a row whose figure depends on one is named for it).
 */
export async function startServerUnderTest(
  options: ServerChildOptions = {},
  fileLimit = 0,
  cpus?: string,
  flags: readonly string[] = [],
): Promise<ServerUnderTest> {
  const child: ChildProcess = fork(path.join(__dirname, 'child.js'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192', ...flags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const addresses = await new Promise<ServerAddresses>((resolve, reject) => {
    child.once('message', (message: { ready: ServerAddresses }) => resolve(message.ready));
    child.once('exit', (code) => reject(new Error(`the server under test exited (${String(code)}) before listening`)));
  });
  const limit = fileLimit > 0 ? raiseFileLimit(child.pid!, fileLimit) : softFileLimit(child.pid!);
  // After it is listening: its threads all exist by then, and any it starts later inherit the mask.
  const pinned: PinResult = cpus === undefined ? { pinned: false, reason: 'not asked' } : pinProcess(child.pid!, cpus);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    addresses,
    pid: child.pid!,
    fileLimit: limit,
    pinned,
    stats: (gc = false) => ask<ServerStats>(child, 'stats', { cmd: 'stats', gc }),
    loop: () => ask<LoopStats>(child, 'loop', { cmd: 'loop' }),
    trace: () => ask<TraceLog>(child, 'trace', { cmd: 'trace' }),
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
