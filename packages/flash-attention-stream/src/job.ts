/**
 * A request as laid out in the shared memory: plain numbers, so it crosses
 * threads in a message. Its work is split into tasks, one per (batch, row
 * tile, head): query tiles are independent, so tasks run on any thread in any
 * order and each writes only its own rows of O. Tasks are numbered batch
 * first, then row tile, then head, so the heads of one row tile finish
 * together and rows can be streamed in order.
 */
import { NO_LIMIT, TILE_ROWS, type Kernel } from './kernel';
import type { Dims } from './shape';

export interface Job extends Dims {
  id: number;
  /** Q and O: (batch, heads, queries, d) from these offsets. */
  q: number;
  o: number;
  /** K and V: head (b, g) starts at k + (b * kvHeads + g) * kvHeadStride * 4; rows are d floats apart. */
  k: number;
  v: number;
  /** Floats between K/V heads: keys * d for a tensor, capacity * d for a cache. */
  kvHeadStride: number;
  /** The key mask as f32 biases (0 or -Infinity), one row of `biasStride` floats per batch entry; 0 for none. */
  bias: number;
  biasStride: number;
  /** Row i sees keys j <= i + causalOffset; null: no causal mask. */
  causalOffset: number | null;
  /** scale * log2(e). */
  c: number;
  /** Row tiles per head. */
  tiles: number;
  /** Query rows per tile (at most TILE_ROWS). */
  tileRows: number;
}

export function taskCount(job: Job): number {
  return job.batch * job.tiles * job.heads;
}

/** The (batch, row tile) a task's rows belong to: the unit that is streamed. */
export function chunkOf(job: Job, task: number): number {
  return Math.floor(task / job.heads);
}

export function chunkCount(job: Job): number {
  return job.batch * job.tiles;
}

/** Runs one task (rows of one tile of one head); returns the floating-point operations it performed. */
export function runTask(kernel: Kernel, job: Job, task: number, scratch: number): number {
  const h = task % job.heads;
  const chunk = (task - h) / job.heads;
  const tile = chunk % job.tiles;
  const b = (chunk - tile) / job.tiles;
  const i0 = tile * job.tileRows;
  const rows = Math.min(job.tileRows, job.queries - i0);
  const { d } = job;
  const g = Math.floor(h / (job.heads / job.kvHeads));
  const qRow = ((b * job.heads + h) * job.queries + i0) * d * 4;
  const kv = (b * job.kvHeads + g) * job.kvHeadStride * 4;
  const limit0 = job.causalOffset === null ? NO_LIMIT : i0 + job.causalOffset;
  const bias = job.bias === 0 ? 0 : job.bias + b * job.biasStride * 4;
  kernel.attend(job.q + qRow, job.k + kv, job.v + kv, job.o + qRow, bias, rows, job.keys, d, limit0, job.c, scratch);
  // The kernel visits keys up to the last row's limit: QK^T and PV, a multiply and an add each.
  const visited = Math.max(0, Math.min(job.keys, limit0 + rows));
  return 4 * rows * visited * d;
}

/** Row tiles of at most TILE_ROWS rows. */
export function tileRowsFor(queries: number): number {
  return Math.min(TILE_ROWS, queries);
}
