import { fork, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { post as postText } from '../../harness/http-post';
import { percentiles } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

export type ServerSide = 'ours' | 'peer';

export interface RunningServer {
  port: number;
  url: string;
  rss(): Promise<number>;
  /** Bytes the server's sockets have read and written so far. */
  bytes(): Promise<{ read: number; written: number }>;
  stop(): Promise<void>;
}

const CONNECTIONS = 50;
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
});
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
export const ECHO_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello' } },
});

/** A correct answer to ECHO_CALL, whether sent as JSON or as SSE events. */
export function isEchoAnswer(body: string): boolean {
  return body.includes('"result":{"content":[{"type":"text","text":"hello"}]') && !body.includes('"error"');
}

export async function startServer(side: ServerSide): Promise<RunningServer> {
  const child: ChildProcess = fork(path.join(__dirname, 'server-child.js'), [side], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${side} server exited (${String(code)}) before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    rss: () =>
      new Promise((resolve) => {
        child.once('message', (message: { rss: number }) => resolve(message.rss));
        child.send({ cmd: 'rss' });
      }),
    bytes: () =>
      new Promise((resolve) => {
        child.once('message', (message: { bytes: { read: number; written: number } }) => resolve(message.bytes));
        child.send({ cmd: 'bytes' });
      }),
    stop: async () => {
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

const post = (url: string, headers: Record<string, string>, body: string) => postText(url, headers, body, agent);

/** initialize + notifications/initialized; the new session's id. */
export async function openSession(url: string): Promise<string> {
  const init = await post(url, HEADERS, INITIALIZE);
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: ${init.status} ${init.body}`);
  const note = await post(url, { ...HEADERS, 'mcp-session-id': id }, INITIALIZED);
  if (note.status !== 202) throw new Error(`notifications/initialized failed: ${note.status}`);
  return id;
}

/** Opens `count` sessions, CONNECTIONS at a time. */
export async function openSessions(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONNECTIONS, count) }, async () => {
      while (next < count) {
        next += 1;
        ids.push(await openSession(url));
      }
    }),
  );
  return ids;
}

/** What one autocannon run measured: every answer checked. */
export interface CannonRun {
  requests: number;
  requestsPerSecond: number;
  percentilesUs: Record<string, number>;
}

const PERCENTILES = {
  '10': 'p10',
  '25': 'p25',
  '50': 'p50',
  '75': 'p75',
  '90': 'p90',
  '97.5': 'p97_5',
  '99': 'p99',
  '99.9': 'p99_9',
  max: 'max',
} as const;

/** autocannon with `connections` connections, each on its own session, sending tools/call echo `amount` times in all. */
export async function cannon(
  server: RunningServer,
  side: ServerSide,
  sessions: string[],
  connections: number,
  amount: number,
): Promise<CannonRun> {
  let assigned = 0;
  let wrong = 0;
  let lastAnswer = 0;
  const started = performance.now();
  const result = await autocannon({
    url: server.url,
    connections,
    pipelining: 1,
    amount: Math.max(amount, connections),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: HEADERS,
        body: ECHO_CALL,
        onResponse: (status, body) => {
          lastAnswer = performance.now();
          if (status !== 200 || !isEchoAnswer(body)) wrong++;
        },
      },
    ],
    setupClient: (client) =>
      client.setHeaders({ ...HEADERS, 'mcp-session-id': sessions[assigned++ % sessions.length] }),
  });
  // Up to the last answer, not until autocannon returns: with `amount` it notices the end only
  // on its next 1 s sample tick, which rounded every run up to whole seconds (40,000 requests
  // read as 40,000/2.02 s or 40,000/3.02 s, whatever the server did in between).
  const seconds = ((lastAnswer > 0 ? lastAnswer : performance.now()) - started) / 1000;
  const failures = result.non2xx + result.errors + result.timeouts + wrong;
  if (failures > 0)
    throw new Error(
      `${side}: ${failures} failed responses (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, wrong answers ${wrong})`,
    );
  const percentilesUs = Object.fromEntries(
    Object.entries(PERCENTILES).map(([label, key]) => [label, result.latency[key] * 1000]),
  );
  return { requests: result.requests.total, requestsPerSecond: result.requests.total / seconds, percentilesUs };
}

/** autocannon, 50 connections each on its own session, tools/call echo; every answer checked. */
export async function httpToolsCall(side: ServerSide, size: number): Promise<Measurement> {
  const server = await startServer(side);
  try {
    const sessions = await openSessions(server.url, CONNECTIONS);
    const run = await cannon(server, side, sessions, CONNECTIONS, size);
    return {
      value: run.requestsPerSecond,
      p50Us: run.percentilesUs['50'],
      p99Us: run.percentilesUs['99'],
      percentilesUs: run.percentilesUs,
    };
  } finally {
    await server.stop();
  }
}

/**
 * RSS growth per open (initialized) session, after a full GC on both sides of the count. The
 * sessions open in four steps, and the growth at each (`sessions_<n>`, bytes) is kept as
 * detail: the report plots memory against sessions from it.
 */
export async function sessionMemory(side: ServerSide, size: number): Promise<Measurement> {
  const server = await startServer(side);
  try {
    await openSessions(server.url, CONNECTIONS); // warms the code paths before the baseline
    const before = await server.rss();
    const detail: Record<string, number> = {};
    let open = 0;
    let after = before;
    for (const step of [1, 2, 3, 4]) {
      const target = Math.round((size * step) / 4);
      await openSessions(server.url, target - open);
      open = target;
      after = await server.rss();
      detail[`sessions_${open}`] = Math.max(0, after - before);
    }
    return { value: Math.max(0, after - before) / size, detail };
  } finally {
    await server.stop();
  }
}

/** 50 WebSocket sessions, each sending tools/call echo back to back; every answer checked. */
export async function wsToolsCall(size: number): Promise<Measurement> {
  const server = await startServer('ours');
  const sockets: WebSocket[] = [];
  try {
    const url = `ws://127.0.0.1:${server.port}/ws`;
    for (let i = 0; i < CONNECTIONS; i++) {
      const ws = new WebSocket(url, 'mcp');
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      sockets.push(ws);
    }
    const exchange = (ws: WebSocket, text: string): Promise<string> =>
      new Promise((resolve) => {
        ws.once('message', (data) => resolve((data as Buffer).toString())); // binaryType 'nodebuffer'
        ws.send(text);
      });
    await Promise.all(
      sockets.map(async (ws) => {
        await exchange(ws, INITIALIZE);
        ws.send(INITIALIZED);
      }),
    );
    const latencies = new Float64Array(size);
    let next = 0;
    let wrong = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      sockets.map(async (ws) => {
        while (next < size) {
          const slot = next++;
          const t0 = process.hrtime.bigint();
          const answer = await exchange(ws, ECHO_CALL);
          latencies[slot] = Number(process.hrtime.bigint() - t0) / 1000;
          if (!isEchoAnswer(answer)) wrong += 1;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (wrong > 0) throw new Error(`ws: ${wrong} wrong answers`);
    const distribution = percentiles(latencies);
    return { value: size / seconds, p50Us: distribution['50'], p99Us: distribution['99'], percentilesUs: distribution };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
  }
}
