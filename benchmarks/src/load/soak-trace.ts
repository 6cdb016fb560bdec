/**
 * Where the soak's slow seconds come from: each second of the run whose p99 was over the
 * target, beside what the server and the generator logged in it and in the second before (a
 * stall's backlog drains into the next second): event-loop stalls, GC pauses by kind, the
 * server's memory samples (their forced GCs), and how many churn sessions closed.
 */
import type { TimelinePoint } from './tally';
import type { TraceLog } from './stall-trace';

export interface SlowSecond {
  second: number;
  p99Ms: number;
  answered: number;
  /** The longest stall of each process in the window, ms (0: none over the bound). */
  serverStallMs: number;
  generatorStallMs: number;
  /** The longest GC pause of each process in the window, ms, and its kind. */
  serverGc: string;
  generatorGc: string;
  /** The server's memory samples in the window and how long each held its loop, ms. */
  serverMarks: string;
  churnClosed: number;
}

export interface SoakTrace {
  /** Wall-clock ms when the soak's schedule started (second 0 of the timeline). */
  startedAt: number;
  server: TraceLog;
  generator: TraceLog;
  /** Wall-clock ms of each churn session's close. */
  churnClosedAt: number[];
  slowSeconds: SlowSecond[];
}

type Timed = { at: number; ms: number };

function inWindow<T extends Timed>(events: readonly T[], from: number, to: number): T[] {
  // An event counts where it overlaps the window.
  return events.filter((e) => e.at < to && e.at + e.ms >= from);
}

function longest<T extends Timed>(events: readonly T[]): T | undefined {
  return events.reduce<T | undefined>((m, e) => (m === undefined || e.ms > m.ms ? e : m), undefined);
}

const r1 = (ms: number): number => Math.round(ms * 10) / 10;

export function slowSeconds(
  timeline: readonly TimelinePoint[],
  /** Wall-clock ms at which each second of the timeline closed (index 0: the start). */
  secondEnds: readonly number[],
  server: TraceLog,
  generator: TraceLog,
  churnClosedAt: readonly number[],
  boundUs: number,
): SlowSecond[] {
  return timeline
    .filter((p) => p.p99Us > boundUs)
    .map((p) => {
      const to = secondEnds[p.second] ?? secondEnds[secondEnds.length - 1]!;
      const from = to - 2000;
      const sGc = longest(inWindow(server.gcs, from, to));
      const gGc = longest(inWindow(generator.gcs, from, to));
      return {
        second: p.second,
        p99Ms: r1(p.p99Us / 1000),
        answered: p.answered,
        serverStallMs: r1(longest(inWindow(server.stalls, from, to))?.ms ?? 0),
        generatorStallMs: r1(longest(inWindow(generator.stalls, from, to))?.ms ?? 0),
        serverGc: sGc === undefined ? '' : `${sGc.kind}${sGc.forced ? ' (forced)' : ''} ${r1(sGc.ms)}`,
        generatorGc: gGc === undefined ? '' : `${gGc.kind}${gGc.forced ? ' (forced)' : ''} ${r1(gGc.ms)}`,
        serverMarks: inWindow(server.marks, from, to)
          .map((m) => `${m.name} ${r1(m.ms)}`)
          .join('; '),
        churnClosed: churnClosedAt.filter((t) => t >= from + 1000 && t < to).length,
      };
    });
}

/** Figures for the result's `extra`: counts and maxima of each process's log. */
export function traceFigures(trace: SoakTrace): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [side, log] of [
    ['server', trace.server],
    ['generator', trace.generator],
  ] as const) {
    out[`${side}Stalls`] = log.stalls.length;
    out[`${side}StallMaxMs`] = r1(longest(log.stalls)?.ms ?? 0);
    out[`${side}StallTotalMs`] = r1(log.stalls.reduce((s, e) => s + e.ms, 0));
    for (const [kind, g] of Object.entries(log.gcByKind)) {
      out[`${side}Gc_${kind}_count`] = g.count;
      out[`${side}Gc_${kind}_maxMs`] = r1(g.maxMs);
      out[`${side}Gc_${kind}_totalMs`] = r1(g.totalMs);
    }
  }
  const samples = trace.server.marks.filter((m) => m.name.includes('memory'));
  out.serverMemorySamples = samples.length;
  out.serverMemorySampleMaxMs = r1(longest(samples)?.ms ?? 0);
  out.slowSeconds = trace.slowSeconds.length;
  out.slowSecondsWithServerStall = trace.slowSeconds.filter((s) => s.serverStallMs > 0).length;
  out.slowSecondsWithGeneratorStall = trace.slowSeconds.filter((s) => s.generatorStallMs > 0).length;
  out.slowSecondsWithMemorySample = trace.slowSeconds.filter((s) => s.serverMarks !== '').length;
  return out;
}
