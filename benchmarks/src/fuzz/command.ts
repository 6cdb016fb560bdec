/**
 * npm run bench -- fuzz [--smoke] [--frames N] [--probe-every K]: N hostile frames (default one
 * million; smoke 4,000) across Streamable HTTP, WebSocket, TCP and stdio, from the mutation
 * fuzzer over valid traffic, with a ping every K frames (default 500; smoke 100) that must be
 * answered. Writes
 * benchmarks/results/fuzz.json (smoke: results/smoke/fuzz.json); exits 1 on a crash (the
 * server process exited), a hang, or output that is not JSON-RPC.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { environment } from '../harness/environment';
import { resultsDir } from '../harness/report';
import { machineLoad } from '../chaos/run';
import { type DriveOptions, driveHttp, driveStream, type FuzzTally } from './drive';
import type { FuzzAddresses } from './server-child';
import { openStdio, openTcp, openWebSocket } from './streams';

/** The compiled server: forked, and spawned for stdio. */
export const SERVER_CHILD = path.join(__dirname, '..', '..', 'dist', 'fuzz', 'server-child.js');

/** Shares of the frames: HTTP costs a request per frame, the others a line or a message. */
const SHARES = { http: 0.1, websocket: 0.3, tcp: 0.3, stdio: 0.3 } as const;

export interface FuzzRun {
  tallies: FuzzTally[];
  /** Server processes that exited while fuzzed (the HTTP/WebSocket/TCP one, each stdio one). */
  crashes: string[];
}

/** Runs the fuzzer over every transport with `total` frames; `seed` makes it reproducible. */
export async function runFuzz(
  total: number,
  seed: number,
  probeEvery = 100,
  probeTimeoutMs = 30_000,
): Promise<FuzzRun> {
  const crashes: string[] = [];
  const child = fork(SERVER_CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) crashes.push(`server exited: code ${code} signal ${signal}`);
  });
  const addresses = await new Promise<FuzzAddresses>((resolve, reject) => {
    child.once('message', (m) => resolve(m as FuzzAddresses));
    child.once('exit', () => reject(new Error('the fuzz server exited before it listened')));
  });
  const options = (share: number, offset: number): DriveOptions => ({
    frames: Math.max(1, Math.round(total * share)),
    seed: seed + offset,
    probeEvery,
    probeTimeoutMs,
    crashed: () => crashes.length > 0,
  });
  const agent = new Agent({ connections: 32 });
  const tallies: FuzzTally[] = [];
  try {
    tallies.push(await driveHttp(addresses.http, agent, 32, options(SHARES.http, 1)));
    tallies.push(await driveStream('websocket', () => openWebSocket(addresses.ws), options(SHARES.websocket, 2)));
    tallies.push(await driveStream('tcp', () => openTcp(addresses.tcpPort), options(SHARES.tcp, 3)));
    let stdioEnded = false;
    tallies.push(
      await driveStream(
        'stdio',
        () =>
          openStdio(SERVER_CHILD, (code, signal) => {
            // A stdio server ends when its input ends (the fuzzer closed it): only another end is a crash.
            if (!stdioEnded && code !== 0) crashes.push(`stdio server exited: code ${code} signal ${signal}`);
          }),
        options(SHARES.stdio, 4),
      ),
    );
    stdioEnded = true;
  } finally {
    stopping = true;
    await agent.close().catch(() => undefined);
    child.disconnect();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  return { tallies, crashes };
}

export function fuzzProblems(run: FuzzRun): string[] {
  const problems = [...run.crashes];
  for (const t of run.tallies) {
    if (t.hangs > 0) problems.push(`${t.transport}: ${t.hangs} probes hung`);
    if (t.badOutput > 0) problems.push(`${t.transport}: ${t.badOutput} frames from the server are not JSON-RPC`);
    if (t.probesAnswered !== t.probes)
      problems.push(`${t.transport}: ${t.probes - t.probesAnswered} probes unanswered`);
    const errors5xx = Object.entries(t.statuses).filter(([status]) => status.startsWith('5'));
    if (errors5xx.length > 0)
      problems.push(`${t.transport}: server errors ${JSON.stringify(Object.fromEntries(errors5xx))}`);
  }
  return problems;
}

export async function fuzzCommand(argv: string[]): Promise<number> {
  const smoke = argv.includes('--smoke');
  const i = argv.indexOf('--frames');
  const total = i >= 0 ? Number(argv[i + 1]) : smoke ? 4_000 : 1_000_000;
  if (!(Number.isInteger(total) && total > 0)) throw new Error(`--frames: ${argv[i + 1]} is not a positive integer`);
  const p = argv.indexOf('--probe-every');
  const probeEvery = p >= 0 ? Number(argv[p + 1]) : smoke ? 100 : 500;
  if (!(Number.isInteger(probeEvery) && probeEvery > 0))
    throw new Error(`--probe-every: ${argv[p + 1]} is not a positive integer`);
  const seed = Date.now() % 1_000_000;
  const loadBefore = machineLoad();
  const run = await runFuzz(total, seed, probeEvery);
  const problems = fuzzProblems(run);
  const frames = run.tallies.reduce((sum, t) => sum + t.frames, 0);
  const file = path.join(smoke ? path.join(resultsDir, 'smoke') : resultsDir, 'fuzz.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const transports = run.tallies.map((t) => ({ ...t, framesPerSecond: Math.round((t.frames / t.ms) * 1000) }));
  const out = {
    kind: 'erlmcp-fuzz',
    ...environment(),
    smoke,
    seed,
    probeEvery,
    loadBefore,
    loadAfter: machineLoad(),
    passed: problems.length === 0,
    problems,
    frames,
    crashes: run.crashes.length,
    hangs: run.tallies.reduce((sum, t) => sum + t.hangs, 0),
    probes: run.tallies.reduce((sum, t) => sum + t.probes, 0),
    probesAnswered: run.tallies.reduce((sum, t) => sum + t.probesAnswered, 0),
    transports,
  };
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  for (const t of transports)
    console.log(
      `fuzz ${t.transport}: ${t.frames} frames at ${t.framesPerSecond}/s, ${t.probesAnswered}/${t.probes} probes answered, ` +
        `${t.hangs} hangs, ${t.reconnects} reconnects${Object.keys(t.statuses).length > 0 ? `, statuses ${JSON.stringify(t.statuses)}` : ''}`,
    );
  console.log(
    `fuzz: ${frames} frames, ${out.crashes} crashes, ${out.hangs} hangs (seed ${seed}, load ${loadBefore.loadavg.join(' ')}); wrote ${file}`,
  );
  for (const problem of problems) console.error(`fuzz: ${problem}`);
  return problems.length === 0 ? 0 : 1;
}
