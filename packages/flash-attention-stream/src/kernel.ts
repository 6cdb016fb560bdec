/**
 * The kernel contract, shared by the WebAssembly kernels and the plain
 * TypeScript one: attention for one tile of at most TILE_ROWS query rows of
 * one head, against that head's keys, FlashAttention-2's online softmax.
 *
 * Pointers are byte offsets into the shared memory; matrices are f32,
 * row-major: q and o are rows x d, k and v are nk x d, bias is nk f32
 * (0 or -Infinity, a key padding mask; readable up to nk rounded up to 8) or
 * 0 for none. Row r sees key j when j <= limit0 + r. `c` is scale * log2(e).
 * A row that sees no key is all zeros; NaN or infinite scores make the row
 * NaN.
 */
export type KernelName = 'relaxed' | 'simd' | 'js';

/** Query rows per tile, the same in every kernel. */
export const TILE_ROWS = 32;

/** limit0 when nothing is masked by position: past every key. */
export const NO_LIMIT = 0x3fffffff;

export interface Kernel {
  readonly name: KernelName;
  /** Scratch bytes in the shared memory one caller needs (0 for a kernel that keeps its own). */
  scratchBytes(d: number): number;
  /** Bytes of scratch this kernel uses for head size d, wherever it lives: the figure stats report. */
  workingBytes(d: number): number;
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
    scratch: number,
  ): void;
}
