import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** What delayed a process's event loop over an interval: where a latency tail may come from. */
export interface LoopStats {
  /** Event-loop delay (perf_hooks, 1 ms resolution): how late a timer ran, p99 and max, µs. */
  loopP99Us: number;
  loopMaxUs: number;
  /** V8 garbage collections (every kind) and their pauses, µs. */
  gcCount: number;
  gcPauseTotalUs: number;
  gcPauseMaxUs: number;
  /** CPU time of the process (every thread: user + system) and wall time over the interval, µs: its share of a core. */
  cpuUs: number;
  wallUs: number;
}

/**
 * Watches this process's event loop and GC pauses; `take()` returns what it saw since the
 * last take and starts over. Used on both sides of p99_at_load: a tail with the server's loop
 * blocked is the server's; a tail with the generator's loop late is the generator's.
 */
export class LoopMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly gc: PerformanceObserver;
  private gcCount = 0;
  private gcTotalMs = 0;
  private gcMaxMs = 0;
  private cpu = process.cpuUsage();
  private wall = performance.now();

  constructor() {
    this.delay.enable();
    this.gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.gcCount += 1;
        this.gcTotalMs += entry.duration;
        this.gcMaxMs = Math.max(this.gcMaxMs, entry.duration);
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  take(): LoopStats {
    const stats: LoopStats = {
      // The histogram is in ns; the 1 ms sampling timer itself is not a delay.
      loopP99Us: Math.max(0, this.delay.percentile(99) / 1000 - 1000),
      loopMaxUs: Math.max(0, this.delay.max / 1000 - 1000),
      gcCount: this.gcCount,
      gcPauseTotalUs: this.gcTotalMs * 1000,
      gcPauseMaxUs: this.gcMaxMs * 1000,
      cpuUs: 0,
      wallUs: (performance.now() - this.wall) * 1000,
    };
    const cpu = process.cpuUsage(this.cpu);
    stats.cpuUs = cpu.user + cpu.system;
    this.cpu = process.cpuUsage();
    this.wall = performance.now();
    this.delay.reset();
    this.gcCount = this.gcTotalMs = this.gcMaxMs = 0;
    return stats;
  }

  stop(): void {
    this.delay.disable();
    this.gc.disconnect();
  }
}
