import { constants, PerformanceObserver } from 'node:perf_hooks';

/**
 * A timestamped log of what held a process's event loop: every stall longer than a bound
 * (a 5 ms timer that ran that much late), every GC pause with its kind, and marks the process
 * sets around its own work (a memory sample's forced GCs). Both sides of the soak keep one;
 * times are wall-clock ms (Date.now(), one clock for both processes on this machine), so a
 * slow second of the run can be laid beside what each process was doing in it.
 */

export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';

export interface Stall {
  /** When the loop stopped turning (ms since the epoch). */
  at: number;
  ms: number;
}

export interface GcPause extends Stall {
  kind: GcKind;
  /** The GC was asked for (global.gc), not V8's own. */
  forced: boolean;
}

export interface TraceMark extends Stall {
  name: string;
}

export interface GcKindSummary {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface TraceLog {
  stalls: Stall[];
  /** GC pauses of at least `gcLogMs` (all are in `gcByKind`). */
  gcs: GcPause[];
  gcByKind: Partial<Record<GcKind, GcKindSummary>>;
  marks: TraceMark[];
}

function kindOf(kind: number | undefined): GcKind {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'other';
  }
}

/** The tick of the stall detector: a stall shorter than a few ticks is not seen as one. */
const TICK_MS = 5;

export class StallTrace {
  private readonly log: TraceLog = { stalls: [], gcs: [], gcByKind: {}, marks: [] };
  private readonly timer: NodeJS.Timeout;
  private readonly gc: PerformanceObserver;
  private expected = Date.now() + TICK_MS;

  constructor(
    /** Stalls longer than this are logged, ms. */
    readonly stallMs = 20,
    /** GC pauses at least this long are logged one by one, ms. */
    readonly gcLogMs = 5,
  ) {
    this.timer = setInterval(() => {
      const now = Date.now();
      const late = now - this.expected;
      if (late > this.stallMs) this.log.stalls.push({ at: now - late, ms: late });
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
    const origin = performance.timeOrigin;
    this.gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { detail?: unknown }).detail as { kind?: number; flags?: number } | undefined;
        const kind = kindOf(detail?.kind);
        const s = (this.log.gcByKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
        s.count += 1;
        s.totalMs += entry.duration;
        s.maxMs = Math.max(s.maxMs, entry.duration);
        if (entry.duration >= this.gcLogMs)
          this.log.gcs.push({
            at: Math.round(origin + entry.startTime),
            ms: entry.duration,
            kind,
            forced: ((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
          });
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Runs `work` (synchronous: it holds the loop) and logs how long it held it, as `name`. */
  mark<T>(name: string, work: () => T): T {
    const at = Date.now();
    const t0 = performance.now();
    try {
      return work();
    } finally {
      this.log.marks.push({ at, ms: performance.now() - t0, name });
    }
  }

  /** The log so far (a copy). */
  take(): TraceLog {
    return structuredClone(this.log);
  }

  stop(): void {
    clearInterval(this.timer);
    this.gc.disconnect();
  }
}
