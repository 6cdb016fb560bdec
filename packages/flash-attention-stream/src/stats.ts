/** What `stats()` reports: counts and timings the server measured, nothing derived from a formula. */
import type { KernelName } from './kernel';
import type { MemoryStats } from './memory';
import type { RequestSummary } from './stream';

export interface WorkerStats {
  scheduler: number;
  /** The kernel the worker's thread runs. */
  kernel: KernelName;
  /** Tasks (one row tile of one head) it finished. */
  tasks: number;
  /** Time inside the kernel. */
  busyMs: number;
  /** Tasks handed to it and not reported yet. */
  running: number;
}

export interface LastRequest extends RequestSummary {
  rowsPerSecond: number;
  gflops: number;
}

export interface AttentionStats {
  /** The kernel of the server's own thread (each worker reports its own). */
  kernel: KernelName;
  /** The schedulers of the pool. */
  schedulers: number[];
  workers: WorkerStats[];
  requests: { started: number; completed: number; failed: number; aborted: number; running: number };
  /** Rows delivered and the kernels' floating-point operations, over every completed request. */
  rows: number;
  flops: number;
  /** Tiles computed again after a worker went down. */
  retriedTasks: number;
  /** The latest completed request's figures. */
  last: LastRequest | null;
  /** Scratch regions the workers hold in the shared memory (per scheduler and head size used), whatever N is. */
  scratchBytes: number;
  memory: MemoryStats;
}
