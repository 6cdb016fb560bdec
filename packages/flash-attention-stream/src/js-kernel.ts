/**
 * The plain TypeScript kernel: the same tiled online softmax as the
 * WebAssembly ones, over the same shared memory, in double-precision
 * arithmetic. It is the fallback where WebAssembly SIMD is unavailable and a
 * second implementation for tests. Its scratch (one key tile of scores and
 * the tile's running output, max and sum) is its own, O(tile).
 */
import { TILE_ROWS, type Kernel } from './kernel';

const BC = 64;
const MAX_D = 128;

export class JsKernel implements Kernel {
  readonly name = 'js' as const;
  private view: Float32Array;
  private readonly acc = new Float64Array(TILE_ROWS * MAX_D);
  private readonly scores = new Float64Array(BC);
  private readonly max = new Float64Array(TILE_ROWS);
  private readonly sum = new Float64Array(TILE_ROWS);

  constructor(private readonly memory: WebAssembly.Memory) {
    this.view = new Float32Array(memory.buffer);
  }

  scratchBytes(): number {
    return 0;
  }

  workingBytes(d: number): number {
    return (TILE_ROWS * d + BC + 2 * TILE_ROWS) * 8;
  }

  attend(
    q: number,
    k: number,
    v: number,
    o: number,
    bias: number,
    rows: number,
    nk: number,
    d: number,
    limit0: number,
    c: number,
  ): void {
    // A shared memory that grew elsewhere keeps its old buffer object here until asked again.
    if (this.view.byteLength !== this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
    const f = this.view;
    const { acc, scores, max, sum } = this;
    const qi = q >> 2;
    const ki = k >> 2;
    const vi = v >> 2;
    const bi = bias >> 2;
    acc.fill(0, 0, rows * d);
    max.fill(-Infinity, 0, rows);
    sum.fill(0, 0, rows);
    const kEnd = Math.min(nk, limit0 + rows);
    for (let j0 = 0; j0 < kEnd; j0 += BC) {
      const cols = Math.min(BC, kEnd - j0);
      for (let r = 0; r < rows; r++) {
        const last = Math.min(cols - 1, limit0 + r - j0);
        const qr = qi + r * d;
        let tileMax = -Infinity;
        for (let jj = 0; jj < cols; jj++) {
          let s = -Infinity;
          if (jj <= last) {
            const kr = ki + (j0 + jj) * d;
            let dot = 0;
            for (let x = 0; x < d; x++) dot += f[qr + x]! * f[kr + x]!;
            s = dot * c;
            if (bias !== 0) s += f[bi + j0 + jj]!;
          }
          scores[jj] = s;
          tileMax = Math.max(tileMax, s);
        }
        const mOld = max[r]!;
        const mNew = Math.max(mOld, tileMax);
        // A row with nothing visible yet keeps max = -Infinity; its weights are 0.
        const mSafe = mNew === -Infinity ? 0 : mNew;
        const alpha = 2 ** (mOld - mSafe);
        let l = sum[r]! * alpha;
        const ar = r * d;
        for (let x = 0; x < d; x++) acc[ar + x] *= alpha;
        for (let jj = 0; jj < cols; jj++) {
          const p = 2 ** (scores[jj]! - mSafe);
          if (p === 0) continue;
          l += p;
          const vr = vi + (j0 + jj) * d;
          for (let x = 0; x < d; x++) acc[ar + x] += p * f[vr + x]!;
        }
        max[r] = mNew;
        sum[r] = l;
      }
    }
    const oi = o >> 2;
    for (let r = 0; r < rows; r++) {
      const m = max[r]!;
      let inv = sum[r]! > 0 ? 1 / sum[r]! : 0;
      if (Number.isNaN(m) || m === Infinity || Number.isNaN(sum[r]!)) inv = NaN;
      for (let x = 0; x < d; x++) f[oi + r * d + x] = acc[r * d + x]! * inv;
    }
  }
}
