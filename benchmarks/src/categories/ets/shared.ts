/** The data every ets scenario uses: keys 'session:<n>' with small session objects. */
export interface Session {
  pid: string;
  node: string;
  ts: number;
}

export const TABLE_ENTRIES = 100_000;

export function session(n: number): Session {
  return { pid: `<0.${n}.0>`, node: 'erlmcp@localhost', ts: 1_700_000_000_000 + n };
}

/** Deterministic pseudo-random key numbers below `limit` (xorshift32), the same for ours and the peer. */
export function randomIndexes(count: number, limit: number, seed = 0x9e3779b9): Int32Array {
  const out = new Int32Array(count);
  let s = seed | 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) % limit;
  }
  return out;
}

/** Wall-clock milliseconds comparable across threads. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Work a benchmark worker thread is asked to do (see worker.ts). */
export type WorkerTask =
  | { kind: 'lookup'; table: import('@erlmcp/ets').TableHandle; count: number; entries: number; seed: number }
  | { kind: 'insert'; table: import('@erlmcp/ets').TableHandle; from: number; count: number }
  | { kind: 'update_counter'; table: import('@erlmcp/ets').TableHandle; count: number; keys: number; seed: number }
  | { kind: 'ask_server'; count: number; entries: number; seed: number };

export interface WorkerResult {
  start: number;
  end: number;
  found: number;
}
