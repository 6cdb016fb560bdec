import fs from 'node:fs';
import v8 from 'node:v8';
import type { ServerStats } from './spawn';

/**
 * This process's memory as the soak and the scale rows read it (after full GCs when `gc`;
 * needs --expose-gc): RSS beside what makes it up, so RSS growing while the heap stays flat
 * can be told apart: V8's committed spaces (the young generation grows under a steady
 * allocation rate and keeps its pages), Buffers outside the heap, descriptors (a leaked
 * socket is one), or none of those (the allocator's retained pages).
 */
export function memoryStats(sessions: number, gc: boolean): ServerStats {
  if (gc) for (let i = 0; i < 3; i++) global.gc?.();
  const memory = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const space of v8.getHeapSpaceStatistics()) spaces[space.space_name] = space.physical_space_size;
  let fds = 0;
  try {
    fds = fs.readdirSync('/proc/self/fd').length;
  } catch {
    // not Linux: left 0
  }
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    spaces,
    fds,
    sessions,
  };
}
