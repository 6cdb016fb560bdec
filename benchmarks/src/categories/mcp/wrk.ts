/**
 * wrk (C, the Debian package; .ci/run installs it) as a load generator: it costs the cores it
 * shares with the server far less per request than autocannon (measured in packages/mcp's
 * README, "Two cores with the load generator beside them"). It runs for a duration, not a
 * request count. Every answer is checked by the script's `response()` hook (wrk-script.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WRK_RESULT_MARKER, type WrkRequest, wrkScript } from './wrk-script';

/** wrk is not installed (or not where it was asked for). */
export class WrkMissingError extends Error {
  override readonly name = 'WrkMissingError';
}

/** wrk ran but its output has no well-formed result line, or it exited with an error. */
export class WrkOutputError extends Error {
  override readonly name = 'WrkOutputError';
}

/** Answers that were not right, or requests that got none: the row's figure would mean nothing. */
export class WrkFailedError extends Error {
  override readonly name = 'WrkFailedError';
}

export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  /** Answers with a status above 399 (wrk's own count; the script's check counts them too). */
  status: number;
  timeout: number;
}

/** What the script's `done()` reports. */
export interface WrkResult {
  /** Completed requests (answers read). */
  requests: number;
  /** Answers the `response()` hook checked: every one, or the check did not run. */
  checked: number;
  /** Answers with the wrong status or body. */
  wrong: number;
  durationUs: number;
  errors: WrkErrors;
  latencyUs: { p50: number; p90: number; p99: number; max: number };
  /** CPU time of the wrk process in clock ticks, -1 where /proc/self/stat could not be read. */
  cpuTicks: { user: number; system: number };
  /** The first wrong answer's status and up to 300 bytes of its body; '' when none. */
  firstWrong: string;
}

/** /proc reports CPU time in USER_HZ ticks, 100 a second on Linux. */
const CLOCK_TICKS = 100;

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new WrkOutputError(`wrk result: ${where} is not a number`);
  return value;
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new WrkOutputError(`wrk result: ${where} is missing`);
  return value as Record<string, unknown>;
}

/** The result line of wrk's stdout (the last one, if the script printed more). */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith(WRK_RESULT_MARKER))
    .pop();
  if (line === undefined) throw new WrkOutputError('wrk printed no result line (did the script run?)');
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(WRK_RESULT_MARKER.length));
  } catch (error) {
    throw new WrkOutputError(`wrk result line is not JSON: ${(error as Error).message}`);
  }
  const top = record(raw, 'the result');
  const errors = record(top.errors, 'errors');
  const latency = record(top.latencyUs, 'latencyUs');
  const cpu = record(top.cpuTicks, 'cpuTicks');
  const result: WrkResult = {
    requests: count(top.requests, 'requests'),
    checked: count(top.checked, 'checked'),
    wrong: count(top.wrong, 'wrong'),
    durationUs: count(top.durationUs, 'durationUs'),
    errors: {
      connect: count(errors.connect, 'errors.connect'),
      read: count(errors.read, 'errors.read'),
      write: count(errors.write, 'errors.write'),
      status: count(errors.status, 'errors.status'),
      timeout: count(errors.timeout, 'errors.timeout'),
    },
    latencyUs: {
      p50: count(latency.p50, 'latencyUs.p50'),
      p90: count(latency.p90, 'latencyUs.p90'),
      p99: count(latency.p99, 'latencyUs.p99'),
      max: count(latency.max, 'latencyUs.max'),
    },
    cpuTicks: { user: count(cpu.user, 'cpuTicks.user'), system: count(cpu.system, 'cpuTicks.system') },
    firstWrong: typeof top.firstWrong === 'string' ? top.firstWrong : '',
  };
  if (result.durationUs <= 0) throw new WrkOutputError('wrk result: the run took no time');
  return result;
}

/** Failed requests of a run: wrong answers, socket errors, timeouts, and answers the check never saw. */
export function wrkFailures(result: WrkResult): number {
  const e = result.errors;
  return result.wrong + e.connect + e.read + e.write + e.timeout + Math.abs(result.requests - result.checked);
}

/** Throws {@link WrkFailedError} when any request of the run failed (see {@link wrkFailures}). */
export function assertAllRight(result: WrkResult, what: string): void {
  if (wrkFailures(result) === 0) return;
  const e = result.errors;
  throw new WrkFailedError(
    `${what}: ${wrkFailures(result)} failed requests of ${result.requests} (wrong answers ${result.wrong}` +
      `, of them status > 399 ${e.status}; unchecked ${Math.abs(result.requests - result.checked)}; socket errors` +
      ` connect ${e.connect} read ${e.read} write ${e.write}; timeouts ${e.timeout})` +
      (result.firstWrong === '' ? '' : `; first wrong answer: ${result.firstWrong}`),
  );
}

/** The generator's CPU (user + system, µs) per request; undefined where /proc could not be read. */
export function wrkCpuUsPerRequest(result: WrkResult): number | undefined {
  const { user, system } = result.cpuTicks;
  if (user < 0 || system < 0 || result.requests === 0) return undefined;
  return ((user + system) * 1e6) / CLOCK_TICKS / result.requests;
}

export interface WrkRun {
  url: string;
  request: WrkRequest;
  connections: number;
  /** Whole seconds (wrk's -d). */
  seconds: number;
  /** wrk threads (each an event loop); default 1, the cheapest on a machine whose cores the server shares. */
  threads?: number;
  /** The wrk binary; default `wrk` from PATH. */
  binary?: string;
  /**
   * Run wrk under SCHED_BATCH (`chrt --batch 0`, util-linux): the kernel does not preempt a
   * running server process to wake wrk for each answer; wrk runs when a core is free and then
   * reads every answer that has arrived in one `epoll_wait`. On cores wrk shares with the
   * server that halves its wake-ups and cuts its CPU per request (README, "Two cores with the
   * load generator beside them"); on an idle core it changes nothing. Default false.
   */
  batchScheduling?: boolean;
  /** Requests sent back to back on each connection before its answers are read (HTTP/1.1 pipelining); default 1. */
  pipeline?: number;
}

/** chrt's exit code when it cannot run the program it was given (util-linux). */
const CHRT_CANNOT_EXECUTE = 127;

/** Runs wrk once and returns its parsed result; it does not judge the answers (see {@link assertAllRight}). */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'erlmcp-wrk-'));
  const script = path.join(dir, 'request.lua');
  try {
    await writeFile(script, wrkScript(run.request, run.pipeline));
    const binary = run.binary ?? 'wrk';
    const wrkArgs = [
      `-t${run.threads ?? 1}`,
      `-c${run.connections}`,
      `-d${Math.max(1, Math.round(run.seconds))}s`,
      '--timeout',
      '30s',
      '-s',
      script,
      run.url,
    ];
    const batch = run.batchScheduling === true;
    const [command, args] = batch ? ['chrt', ['--batch', '0', binary, ...wrkArgs]] : [binary, wrkArgs];
    const missing = (): WrkMissingError =>
      new WrkMissingError(
        `wrk not found (${binary}): install it (Debian: apt-get install wrk; .ci/run does) to run this row`,
      );
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code !== 'ENOENT'
              ? error
              : batch
                ? new WrkMissingError(`chrt not found: it comes with util-linux; needed for batchScheduling`)
                : missing(),
          ),
        );
        child.once('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
      },
    );
    if (batch && code === CHRT_CANNOT_EXECUTE && stdout === '') throw missing();
    if (code !== 0) throw new WrkOutputError(`wrk exited with ${String(code)}: ${(stderr || stdout).trim()}`);
    try {
      return parseWrkOutput(stdout);
    } catch (error) {
      // What wrk said instead (e.g. "unable to connect"), for the row's error.
      if (error instanceof WrkOutputError) error.message += `; wrk's output: ${(stdout + stderr).trim().slice(-600)}`;
      throw error;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
