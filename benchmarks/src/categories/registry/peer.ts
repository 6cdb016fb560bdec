import type { Measurement } from '../../harness/types';
import { namesFor } from './ours';

/** The single-thread peer: a JS Map of name -> { pid, meta }, the key string built per lookup, same order as ours. */
export async function mapGet(size: number): Promise<Measurement> {
  const names = namesFor(size);
  const map = new Map<string, { pid: { node: number; id: number }; meta: undefined }>();
  for (let i = 0; i < names; i++) map.set(`name:${i}`, { pid: { node: 0, id: i * 64 }, meta: undefined });
  let misses = 0;
  let idx = 0;
  const start = performance.now();
  for (let i = 0; i < size; i++) {
    idx = (idx + 7919) % names;
    if (map.get(`name:${idx}`) === undefined) misses++;
  }
  const elapsed = performance.now() - start;
  if (misses !== 0) throw new Error('map lookups missed');
  return { value: size / (elapsed / 1000) };
}
