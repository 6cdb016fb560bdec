/**
 * p99_at_load: tools/call p99 over Streamable HTTP at 80% of the maximum sustainable rate,
 * open loop so a slow answer cannot slow the arrivals; latencies count from each request's
 * scheduled send time (no coordinated omission). A sweep of open-loop steps (fractions of the
 * closed-loop saturation, 64 sessions each one request in flight) finds it: the highest step
 * with it and every step below it sustained (every arrival sent on schedule, none failed,
 * answers in pace); the sweep also gives the highest rate whose p99 stayed under 10 ms.
 * Until 2026-12-07 the row ran at 80% of the closed-loop saturation, a rate the open-loop
 * generator could not always send on these 2 cores.
 *
 * p99_at_load_pinned: the same with the server pinned to one CPU and this process (the
 * generator) to the other (taskset).
 */
import { pinningPlan, pinProcess, affinityOf, type PinResult } from '../../load/affinity';
import { measureCapacity, rateAtLoad, rateStep } from '../../load/capacity';
import { HttpPools, HttpSession } from '../../load/http-session';
import { LoopMonitor, type LoopStats } from '../../load/loop-monitor';
import { describeSchedule, keptSchedule } from '../../load/schedule-lag';
import { startServerUnderTest } from '../../load/server/spawn';
import { Tally } from '../../load/tally';
import { openUsers } from '../../load/users';
import type { Measurement } from '../../harness/types';

export const LOAD_FRACTION = 0.8;
const ms = (us: number): string => (us / 1000).toFixed(2);
const log = (text: string): void => void process.stderr.write(`[scale p99_at_load] ${text}\n`);
const SESSIONS = 64;

/**
 * `size`: milliseconds each rate step lasts (the 80% run lasts twice that). `pinned`: the
 * server on one CPU and the generator on another, at 80% of the sustained rate.
 */
export async function p99AtLoad(size: number, pinned = false): Promise<Measurement> {
  const plan = pinned ? pinningPlan() : undefined;
  const cpus = plan !== undefined && 'server' in plan ? plan : undefined;
  const server = await startServerUnderTest({}, 0, cpus?.server);
  const restore = affinityOf(process.pid);
  let generatorPinned: PinResult = {
    pinned: false,
    reason: plan !== undefined && 'reason' in plan ? plan.reason : 'not asked',
  };
  if (cpus !== undefined) generatorPinned = pinProcess(process.pid, cpus.generator);
  if (pinned) {
    const failed = [generatorPinned, server.pinned].find((p): p is { pinned: false; reason: string } => !p.pinned);
    const why = failed?.reason ?? '';
    log(
      why === '' ? `server pinned to CPU ${cpus!.server}, generator to CPU ${cpus!.generator}` : `NOT pinned: ${why}`,
    );
  }
  const pools = new HttpPools(server.addresses.sseUrl, SESSIONS);
  try {
    const tally = new Tally();
    const users = await openUsers(SESSIONS, (vu) => new HttpSession(vu, pools), tally);
    if (users.failed > 0) throw new Error(`sessions failed to open: ${tally.samples[0]}`);
    // Where the tail comes from, step by step: the server's event loop and GC pauses, and the
    // generator's own loop (a request it sends late is timed from when it was due).
    const generator = new LoopMonitor();
    const loops: Record<string, number> = {};
    const reset = async (): Promise<void> => {
      generator.take();
      await server.loop();
    };
    /** `achieved`: answers/s in the step, for each side's CPU time per call. */
    const note = async (rate: number, label: string, achieved: number): Promise<string> => {
      const s = await server.loop();
      const g = generator.take();
      loops[`serverLoopP99Us_at_${rate}`] = s.loopP99Us;
      loops[`serverLoopMaxUs_at_${rate}`] = s.loopMaxUs;
      loops[`serverGcPauseMaxUs_at_${rate}`] = s.gcPauseMaxUs;
      loops[`serverGcPauseTotalUs_at_${rate}`] = s.gcPauseTotalUs;
      loops[`generatorLoopP99Us_at_${rate}`] = g.loopP99Us;
      loops[`generatorLoopMaxUs_at_${rate}`] = g.loopMaxUs;
      // Each process's share of a core (CPU time of all its threads over wall time): a server
      // near 1.0 queues; a generator near 1.0 cannot keep its schedule.
      const busy = (x: LoopStats): number => (x.wallUs > 0 ? x.cpuUs / x.wallUs : 0);
      loops[`serverCores_at_${rate}`] = busy(s);
      loops[`generatorCores_at_${rate}`] = busy(g);
      // CPU per call, µs (the interval holds the step and a little IPC around it).
      const perCall = (x: LoopStats): number => (achieved > 0 ? (busy(x) * 1e6) / achieved : 0);
      loops[`serverCpuUsPerCall_at_${rate}`] = perCall(s);
      loops[`generatorCpuUsPerCall_at_${rate}`] = perCall(g);
      return `${label}; server loop p99 ${ms(s.loopP99Us)} max ${ms(s.loopMaxUs)}, GC ${s.gcCount} (max ${ms(s.gcPauseMaxUs)}, total ${ms(s.gcPauseTotalUs)}) ms, cores busy ${busy(s).toFixed(2)}, ${perCall(s).toFixed(0)} µs CPU a call; generator loop p99 ${ms(g.loopP99Us)} max ${ms(g.loopMaxUs)} ms, cores busy ${busy(g).toFixed(2)}, ${perCall(g).toFixed(0)} µs CPU a call`;
    };
    const capacity = await measureCapacity(
      users.sessions,
      ['call'],
      size,
      async (step) =>
        log(
          await note(
            step.rate,
            `${step.rate}/s: ${step.achieved.toFixed(0)}/s, p99 ${ms(step.p99Us)} ms${step.failed > 0 ? `, ${step.failed} failed` : ''}, ${step.held ? 'sustained' : 'NOT sustained'}; ${describeSchedule(step.schedule)}`,
            step.achieved,
          ),
        ),
      reset,
    );
    const sustained = rateAtLoad(capacity, LOAD_FRACTION);
    const rate = sustained.rate;
    await reset();
    const atLoad = await rateStep(users.sessions, ['call'], rate, size * 2);
    const kept = keptSchedule(atLoad.schedule);
    log(
      await note(
        rate,
        `at load ${rate}/s: p99 ${ms(atLoad.p99Us)} ms; ${describeSchedule(atLoad.schedule)}${kept ? '' : ' — the generator fell behind: this p99 includes its lag'}`,
        atLoad.achieved,
      ),
    );
    generator.stop();
    // Requests not sent (more than the generator keeps in flight) or failed at this rate are
    // kept in the row's detail: its p99 is of the answered ones, and the note says how many were not.
    if (atLoad.failed > 0) log(`${atLoad.failed} requests failed or not sent at ${rate}/s`);
    const summary = atLoad.tally.latency.summary();
    const detail: Record<string, number> = {
      saturationRate: capacity.saturation,
      rateAtLoad: rate,
      achievedAtLoad: atLoad.achieved,
      maxRateP99Under10ms: capacity.maxRateUnderBound,
      failedAtLoad: atLoad.failed,
      sentAtLoad: atLoad.tally.counts.sent + atLoad.tally.counts.dropped,
      maxSustainableRate: capacity.maxSustainable,
      // The generator's lag at the row's rate: a p99 with the generator behind is not the server's.
      generatorKeptSchedule: kept ? 1 : 0,
      generatorLagP99UsAtLoad: atLoad.schedule.lagP99Us,
      generatorLagMaxUsAtLoad: atLoad.schedule.lagMaxUs,
      generatorSentLateAtLoad: atLoad.schedule.sentLate,
      generatorMaxBehindAtLoad: atLoad.schedule.maxBehind,
    };
    detail.sustainedStepFound = sustained.sustained ? 1 : 0;
    if (pinned) {
      detail.pinned = server.pinned.pinned && generatorPinned.pinned ? 1 : 0;
      detail.serverCpu = cpus === undefined ? -1 : Number(cpus.server);
      detail.generatorCpu = cpus === undefined ? -1 : Number(cpus.generator);
    }
    for (const step of capacity.steps) {
      detail[`p99Us_at_${step.rate}`] = step.p99Us;
      detail[`generatorLagP99Us_at_${step.rate}`] = step.schedule.lagP99Us;
      detail[`held_at_${step.rate}`] = step.held ? 1 : 0;
    }
    Object.assign(detail, loops);
    return {
      value: summary.p99Us / 1000,
      p50Us: summary.p50Us,
      p99Us: summary.p99Us,
      percentilesUs: {
        '50': summary.p50Us,
        '95': summary.p95Us,
        '99': summary.p99Us,
        '99.9': summary.p999Us,
        max: summary.maxUs,
      },
      detail,
    };
  } finally {
    await pools.close();
    await server.stop();
    if (generatorPinned.pinned && restore !== undefined) pinProcess(process.pid, restore);
  }
}
