/**
 * The workloads of the tuning category. Each runs in the benchmark's child process, which
 * the harness started with one side's flags and environment (Scenario.runtime), so the
 * same code measures the default runtime and the tuned one.
 */
import { execFileSync } from 'node:child_process';
import { pbkdf2, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import v8 from 'node:v8';
import { gzip } from 'node:zlib';
import { GenServer, type Pid } from '@erlmcp/otp';
import { openFileLimit } from '../../harness/limits';
import { onNode } from '../../harness/node';
import { percentiles } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

/** V8's old-space limit in this process: what --max-old-space-size sets. */
export async function heapLimit(): Promise<Measurement> {
  const stats = v8.getHeapStatistics();
  return { value: stats.heap_size_limit, detail: { totalAvailable: stats.total_available_size } };
}

/** Counts garbage collections by kind while `fn` runs (perf_hooks 'gc' entries). */
async function withGcCounts<T>(
  fn: () => Promise<T> | T,
): Promise<{ result: T; scavenges: number; scavengeMs: number; markSweeps: number; markSweepMs: number }> {
  const counts = { scavenges: 0, scavengeMs: 0, markSweeps: 0, markSweepMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perf.NODE_PERFORMANCE_GC_MINOR) {
        counts.scavenges += 1;
        counts.scavengeMs += entry.duration;
      } else if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) {
        counts.markSweeps += 1;
        counts.markSweepMs += entry.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = await fn();
  // GC entries are delivered asynchronously: let the last ones arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return { result, ...counts };
}

/**
 * What the young generation size changes: a request-shaped allocation load (parse a
 * tools/call body, build the answer, serialise it) with the last 2,000 answers kept alive,
 * as in-flight requests and session state are. Requests/s, and the collections it cost.
 */
export async function allocationLoad(size: number): Promise<Measurement> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: 'echo',
      arguments: { text: 'x'.repeat(512), tags: Array.from({ length: 16 }, (_, i) => `tag-${i}`) },
    },
  });
  const live: unknown[] = new Array(2_000);
  let bytes = 0;
  const run = await withGcCounts(() => {
    const start = performance.now();
    for (let i = 0; i < size; i++) {
      const request = JSON.parse(body) as { id: number; params: { arguments: { text: string; tags: string[] } } };
      const answer = {
        jsonrpc: '2.0',
        id: i,
        result: {
          content: request.params.arguments.tags.map((t) => ({
            type: 'text',
            text: `${t}:${request.params.arguments.text.length}`,
          })),
        },
      };
      const text = JSON.stringify(answer);
      bytes += text.length;
      live[i % live.length] = answer;
    }
    return performance.now() - start;
  });
  if (bytes === 0) throw new Error('no answers built');
  return {
    value: size / (run.result / 1000),
    ms: run.result,
    detail: {
      scavenges: run.scavenges,
      scavengeMs: run.scavengeMs,
      markSweeps: run.markSweeps,
      markSweepMs: run.markSweepMs,
    },
  };
}

/**
 * What UV_THREADPOOL_SIZE changes: 64 concurrent tasks, each an async pbkdf2, a file read and
 * a gzip (all three run on libuv's thread pool). Tasks/s and the task latency distribution.
 */
export async function threadPoolLoad(size: number): Promise<Measurement> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tuning-'));
  try {
    const file = path.join(dir, 'payload');
    fs.writeFileSync(file, randomBytes(64 * 1024));
    const payload = randomBytes(16 * 1024);
    const task = async (): Promise<void> => {
      await new Promise<Buffer>((resolve, reject) =>
        pbkdf2('secret', 'salt', 1_000, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key))),
      );
      await fs.promises.readFile(file);
      await new Promise<Buffer>((resolve, reject) => gzip(payload, (e, out) => (e ? reject(e) : resolve(out))));
    };
    const latencies = new Float64Array(size);
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < size) {
          const slot = next++;
          const t0 = performance.now();
          await task();
          latencies[slot] = (performance.now() - t0) * 1000;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const distribution = percentiles(latencies);
    return {
      value: size / seconds,
      p50Us: distribution['50'],
      p99Us: distribution['99'],
      percentilesUs: distribution,
      detail: { threads: Number(process.env.UV_THREADPOOL_SIZE ?? 4) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const cruncher = GenServer.remote<never>(require.resolve('../schedulers/remote'), 'cruncher');

/**
 * What the scheduler count changes: one CPU-bound server per core (~1 ms a call), each kept
 * busy by 8 callers, on a node of `schedulers` schedulers (servers spread over them). Calls/s.
 */
export function schedulerLoad(size: number, schedulers: number | 'auto'): Promise<Measurement> {
  const count = schedulers === 'auto' ? Math.min(os.availableParallelism(), 16) : schedulers;
  const servers = os.availableParallelism();
  return onNode(count, async () => {
    const pids = (await Promise.all(
      Array.from({ length: servers }, (_, i) =>
        GenServer.start(cruncher, undefined as never, { scheduler: i % count }),
      ),
    )) as Pid[];
    const each = Math.max(1, Math.ceil(size / (servers * 8)));
    const start = performance.now();
    await Promise.all(
      pids.flatMap((pid) =>
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < each; i++) await GenServer.call(pid, 200_000 as never, 60_000);
        }),
      ),
    );
    return { value: (each * 8 * servers) / ((performance.now() - start) / 1000), detail: { schedulers: count } };
  });
}

/** Sets this process's soft limit on open files (prlimit from util-linux; a soft limit may move up to the hard one). */
function setOpenFileLimit(soft: number): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${soft}:`]);
  if (openFileLimit('soft') !== soft) throw new Error(`prlimit did not set the open-file limit to ${soft}`);
}

/**
 * What the open-file limit changes: loopback TCP connections to a server in this process
 * (two descriptors each), opened 100 at a time until `size` are up or one fails. The limit is
 * `soft`, or the hard limit. Connections held open at the end.
 */
export async function connectionLoad(size: number, soft: number | 'hard'): Promise<Measurement> {
  const limit = soft === 'hard' ? openFileLimit('hard') : soft;
  if (limit === undefined) throw new Error('cannot read the open-file limit (/proc/self/limits)');
  setOpenFileLimit(limit);
  const accepted = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted.add(socket);
    socket.on('error', () => undefined).once('close', () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const clients: net.Socket[] = [];
  let refused = 0;
  let dropped = 0;
  try {
    while (clients.length < size && refused + dropped === 0) {
      const batch = Math.min(100, size - clients.length);
      await Promise.all(
        Array.from(
          { length: batch },
          () =>
            new Promise<void>((resolve) => {
              const socket = net.connect(port, '127.0.0.1');
              clients.push(socket);
              let connected = false;
              socket
                .once('connect', () => ((connected = true), resolve()))
                .once('error', () => ((refused += 1), resolve()));
              // Past the limit libuv accepts and closes at once: the client sees its connection end.
              socket.once('close', () => void (connected && (dropped += 1)));
            }),
        ),
      );
      // Accepts trail connects (more so on a busy machine): wait for them, up to 2 s.
      const until = performance.now() + 2_000;
      while (accepted.size + refused + dropped < clients.length && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { value: accepted.size, detail: { openFileLimit: limit, attempted: clients.length, refused, dropped } };
  } finally {
    for (const socket of clients) socket.destroy();
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
