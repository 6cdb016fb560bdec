import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Measurement } from '../../harness/types';
import { isEchoAnswer } from './load';
import { assertAllRight, runWrk, type WrkRun, wrkCpuUsPerRequest } from './wrk';
import type { WrkRequest } from './wrk-script';

/** `ours` one process; `ours-door:<n>` the front door with n workers; `peer` the official 2.x server. */
export type StatelessSide = 'ours' | `ours-door:${number}` | 'peer';

/** Keep-alive connections the load generator keeps busy, one request at a time each. */
export const CONNECTIONS = 50;
const VERSION = '2026-07-28';
/** A 2026-07-28 tools/call: the revision in `_meta`, and the standard headers that must agree with it. */
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: 'hello' },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
    },
  },
});
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': VERSION,
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};

/** CPU (µs) the server's processes have used so far: in all, and this process's then each worker's. */
interface ServerCpu {
  cpuUs: number;
  perProcessUs: number[];
}

async function startStateless(
  side: StatelessSide,
): Promise<{ url: string; cpu: () => Promise<ServerCpu>; cpuUs: () => Promise<number>; stop: () => Promise<void> }> {
  const child = fork(path.join(__dirname, 'stateless-child.js'), [side], {
    execArgv: ['--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${side} server exited (${String(code)}) before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cpu = (): Promise<ServerCpu> =>
    new Promise((resolve) => {
      child.once('message', (message: ServerCpu) => resolve(message));
      child.send({ cmd: 'cpu' });
    });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    cpu,
    cpuUs: async () => (await cpu()).cpuUs,
    stop: async () => {
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

/**
 * 50 keep-alive connections sending the 2026-07-28 tools/call echo, `amount` in all; every
 * answer checked. The client (autocannon) runs in this measuring process, the server in
 * processes of its own. `load1` in the detail is the machine's 1-minute load average when
 * the run began: the two-core figures mean something only when it is below the core count.
 * `cpuUsPerRequest` is the CPU time the server's processes (all of them) used per request
 * during the run: on a loaded machine, what a request costs when the rate cannot say.
 * `generatorCpuUsPerRequest` is the same for the load generator (this process), the share
 * of the cores the server cannot have when both run on one machine.
 */
export async function statelessToolsCall(side: StatelessSide, amount: number): Promise<Measurement> {
  const server = await startStateless(side);
  try {
    const load1 = loadavg()[0]!;
    // Warm-up: each connection's first requests, and the JIT, out of the measured run.
    await fire(server.url, Math.min(amount, 2_000));
    let wrong = 0;
    let lastAnswer = 0;
    const cpuBefore = await server.cpuUs();
    // The load generator's CPU (this process: autocannon and little else during the run). On
    // a machine where it shares the cores with the server it caps what the server can show.
    const generatorBefore = process.cpuUsage();
    const started = performance.now();
    const result = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      pipelining: 1,
      amount: Math.max(amount, CONNECTIONS),
      timeout: 30,
      requests: [
        {
          method: 'POST',
          headers: HEADERS,
          body: BODY,
          onResponse: (status, body) => {
            lastAnswer = performance.now();
            if (status !== 200 || !isEchoAnswer(body)) wrong++;
          },
        },
      ],
    });
    const seconds = ((lastAnswer > 0 ? lastAnswer : performance.now()) - started) / 1000;
    const generator = process.cpuUsage(generatorBefore);
    const cpuUsPerRequest = ((await server.cpuUs()) - cpuBefore) / result.requests.total;
    const generatorCpuUsPerRequest = (generator.user + generator.system) / result.requests.total;
    const failures = result.non2xx + result.errors + result.timeouts + wrong;
    if (failures > 0)
      throw new Error(
        `${side}: ${failures} failed responses (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, wrong answers ${wrong})`,
      );
    return {
      value: result.requests.total / seconds,
      p50Us: result.latency.p50 * 1000,
      p99Us: result.latency.p99 * 1000,
      detail: { load1, cpuUsPerRequest, generatorCpuUsPerRequest },
    };
  } finally {
    await server.stop();
  }
}

async function fire(url: string, amount: number): Promise<void> {
  await autocannon({
    url,
    connections: CONNECTIONS,
    amount: Math.max(amount, CONNECTIONS),
    requests: [{ method: 'POST', headers: HEADERS, body: BODY }],
  });
}

/** The same request for wrk, and what every right answer holds (what `isEchoAnswer` checks). */
const WRK_REQUEST: WrkRequest = {
  method: 'POST',
  path: '/mcp',
  headers: HEADERS,
  body: BODY,
  status: 200,
  expect: '"result":{"content":[{"type":"text","text":"hello"}]',
  reject: '"error"',
};

/** How wrk runs for a row (see {@link WrkRun}): its scheduling policy and pipelining depth. */
export type WrkShape = Pick<WrkRun, 'batchScheduling' | 'pipeline'>;

/** Requests each server process serves before the measured run, per second of it. */
const WARM_UP_REQUESTS_PER_SECOND = 6_000;

/**
 * {@link statelessToolsCall} with wrk (one thread, the same 50 keep-alive connections) as the
 * load generator, for `seconds` after a warm-up (below); every answer checked by the wrk
 * script, any failure fails the row. wrk costs the shared cores less per request than
 * autocannon. The detail adds each server process's CPU per request of the whole run
 * (`process<i>CpuUsPerRequest`: 0 the process the bench started, the front door's primary;
 * 1.. its workers); the rate is wrk's requests over its own measured duration. `shape`:
 * wrk's scheduling policy and pipelining depth, for warm-up and run alike.
 */
export async function statelessToolsCallWrk(
  side: StatelessSide,
  seconds: number,
  shape: WrkShape = {},
): Promise<Measurement> {
  const server = await startStateless(side);
  try {
    const load1 = loadavg()[0]!;
    const run = { url: server.url, request: WRK_REQUEST, connections: CONNECTIONS, ...shape };
    // Warm-up: the connections' first requests, and the JIT, out of the measured run. Every
    // process compiles the same code for itself: workers warmed by 2 s of load (under 1,000
    // requests each, under load average 20) used 2.5x the CPU per request of ones warmed by 12 s
    // (README), so each server process gets about 6,000 requests per measured second first
    // (30,000 for the full 5 s), in 1 s rounds, at most 3 per measured second.
    const processes = (await server.cpu()).perProcessUs.length;
    const wanted = WARM_UP_REQUESTS_PER_SECOND * seconds * (processes > 1 ? processes - 1 : 1);
    let warmed = 0;
    for (let round = 0; round < 3 * seconds && warmed < wanted; round++) {
      const warm = await runWrk({ ...run, seconds: 1 });
      assertAllRight(warm, `${side} warm-up`);
      warmed += warm.requests;
    }
    const before = await server.cpu();
    const result = await runWrk({ ...run, seconds });
    const after = await server.cpu();
    assertAllRight(result, side);
    const perRequest = (us: number): number => us / result.requests;
    const detail: Record<string, number> = {
      load1,
      cpuUsPerRequest: perRequest(after.cpuUs - before.cpuUs),
    };
    after.perProcessUs.forEach((us, i) => {
      if (after.perProcessUs.length > 1)
        detail[`process${i}CpuUsPerRequest`] = perRequest(us - (before.perProcessUs[i] ?? 0));
    });
    const generator = wrkCpuUsPerRequest(result);
    if (generator !== undefined) detail.generatorCpuUsPerRequest = generator;
    return {
      value: result.requests / (result.durationUs / 1e6),
      p50Us: result.latencyUs.p50,
      p99Us: result.latencyUs.p99,
      detail,
    };
  } finally {
    await server.stop();
  }
}
