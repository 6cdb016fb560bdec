import { LoopMonitor } from '../../src/load/loop-monitor';
import { memoryStats } from '../../src/load/server/memory-stats';

describe('LoopMonitor', () => {
  it('sees a blocked event loop and the GCs since the last take, then starts over', async () => {
    const monitor = new LoopMonitor();
    try {
      // Let the 1 ms sampling timer run, then block the loop for 60 ms: however fast the machine,
      // the timer that was due during the block runs at least ~60 ms late.
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Until both 60 ms of wall time and 60 ms of this process's CPU time have passed: a
      // loaded machine may deschedule the loop, which stretches the wall time, never the CPU.
      const until = performance.now() + 60;
      const cpu0 = process.cpuUsage();
      const cpuMs = (): number => {
        const c = process.cpuUsage(cpu0);
        return (c.user + c.system) / 1000;
      };
      while (performance.now() < until || cpuMs() < 60);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const gc = (globalThis as { gc?: () => void }).gc;
      const garbage: object[] = [];
      for (let i = 0; i < 200_000; i++) garbage.push({ i });
      garbage.length = 0;
      gc?.();
      // GC entries reach the observer asynchronously.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const seen = monitor.take();
      expect(seen.loopMaxUs).toBeGreaterThanOrEqual(50_000);
      expect(seen.loopP99Us).toBeLessThanOrEqual(seen.loopMaxUs);
      expect(seen.gcCount).toBeGreaterThan(0);
      expect(seen.gcPauseMaxUs).toBeLessThanOrEqual(seen.gcPauseTotalUs);
      // The busy loop's 60 ms of CPU time are in the interval, and so its wall time.
      expect(seen.cpuUs).toBeGreaterThanOrEqual(50_000);
      expect(seen.wallUs).toBeGreaterThanOrEqual(60_000);
      const next = monitor.take();
      expect(next.gcCount).toBe(0);
      expect(next.loopMaxUs).toBeLessThan(seen.loopMaxUs);
    } finally {
      monitor.stop();
    }
  });
});

describe('memoryStats', () => {
  it("reports RSS beside the heap, its spaces' resident pages, Buffers and descriptors", () => {
    const held = Buffer.alloc(4 << 20, 1);
    const stats = memoryStats(7, false);
    expect(stats.sessions).toBe(7);
    expect(stats.rss).toBeGreaterThan(stats.heapUsed);
    expect(stats.heapTotal).toBeGreaterThanOrEqual(stats.heapUsed);
    expect(stats.arrayBuffers).toBeGreaterThanOrEqual(held.length);
    expect(stats.external).toBeGreaterThan(0);
    expect(Object.keys(stats.spaces)).toEqual(expect.arrayContaining(['new_space', 'old_space', 'code_space']));
    if (process.platform === 'linux') expect(stats.fds).toBeGreaterThan(2);
  });
});
