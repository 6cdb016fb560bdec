// Exact attention for one tile of query rows, FlashAttention-2's online
// softmax, in WebAssembly 128-bit SIMD. Compiled twice by scripts/build-wasm.mjs:
// with and without relaxed SIMD (ASC_FEATURE_RELAXED_SIMD picks the
// multiply-add). The memory is imported and shared: Q, K, V and O live in it,
// written by the host, and every thread's instance reads and writes the same
// bytes; each caller passes its own scratch area.
//
// Pointers are byte offsets into memory; matrices are f32, row-major:
//   q: rows x d (the tile's rows), o: rows x d, k and v: nk x d,
//   bias: nk f32 (0 or -Infinity, a key padding mask), or 0 for none.
// Query row r (0-based in the tile) sees key j when j <= limit0 + r: causal
// masking passes limit0 = the row's position minus the first key's; no mask
// passes a limit past every key.
//
// Loops stay small on purpose: V8's register allocator spills when an inner
// loop is unrolled by hand past what 16 vector registers hold, and the 4x8
// micro-tile (8 accumulators, 2 loads of B, 4 broadcasts of A) fits.
//
// The scratch copies of Q and of the running O are kept in 4-row panels
// (the four rows' values of one column side by side), so the micro-tiles
// address four rows with constant offsets whatever d is, and the scratch is
// exactly BR x d floats each.

/** Query rows per tile: the host's tiles are at most this many rows. */
const BR: i32 = 32;
/** Keys per inner tile. */
const BC: i32 = 64;

export function tileRows(): i32 {
  return BR;
}

const NEG_INF: f32 = -Infinity;

// Taylor coefficients of 2^f = e^(f ln 2) on |f| <= 0.5, to degree 7 (error below 5e-9).
const L1: f32 = 0.6931471805599453;
const L2: f32 = 0.2402265069591007;
const L3: f32 = 0.05550410866482158;
const L4: f32 = 0.009618129107628477;
const L5: f32 = 0.0013333558146428443;
const L6: f32 = 0.00015403530393381608;
const L7: f32 = 0.000015252733804059841;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * 2^x for x <= 0: exactly 0 below -126 and for -Infinity; NaN stays NaN (so a
 * NaN score shows in the row's sum instead of vanishing). The integer part
 * comes from the float add of 1.5 * 2^23, which rounds x to an integer in the
 * low mantissa bits (cheaper than nearest + a saturating truncation in V8).
 */
@inline function exp2v(x: v128): v128 {
  const floor = f32x4.splat(-126.0);
  const magic = f32x4.splat(12582912.0);
  const zero = f32x4.lt(x, floor);
  const xc = f32x4.pmax(x, floor);
  const t = f32x4.add(xc, magic);
  const f = f32x4.sub(xc, f32x4.sub(t, magic));
  let p = madd(f32x4.splat(L7), f, f32x4.splat(L6));
  p = madd(p, f, f32x4.splat(L5));
  p = madd(p, f, f32x4.splat(L4));
  p = madd(p, f, f32x4.splat(L3));
  p = madd(p, f, f32x4.splat(L2));
  p = madd(p, f, f32x4.splat(L1));
  p = madd(p, f, f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), zero);
}

@inline function exp2s(x: f32): f32 {
  return f32x4.extract_lane(exp2v(f32x4.splat(x)), 0);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Scratch bytes one caller needs for head size d. */
export function scratchBytes(d: i32): i32 {
  return (2 * BR * d + d * BC + BR * BC + 4 * BR) * 4;
}

/**
 * S[rows x cols] = Qs[rows x d] . Kt[d x cols], rows a multiple of 4 and
 * cols of 8, and each row's maximum into rowMax. Qs is in 4-row panels: the
 * loop over d reads one panel column (four rows) per step at constant
 * offsets, so it keeps two pointers and ten vectors in registers.
 */
function gemmQK(qs: usize, kt: usize, sc: usize, rowMax: usize, rows: i32, cols: i32, d: i32): void {
  const negInf = f32x4.splat(NEG_INF);
  const panel = <usize>d << 4;
  for (let i = 0; i < rows; i += 4) {
    const a = qs + <usize>(i >> 2) * panel;
    const aEnd = a + panel;
    let m0 = negInf, m1 = negInf, m2 = negInf, m3 = negInf;
    for (let j = 0; j < cols; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let ap = a;
      let bp = kt + (<usize>j << 2);
      do {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let s = v128.load32_splat(ap);
        c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
        s = v128.load32_splat(ap, 4);
        c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
        s = v128.load32_splat(ap, 8);
        c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
        s = v128.load32_splat(ap, 12);
        c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
        ap += 16;
        bp += BC * 4;
      } while (ap < aEnd);
      const cp = sc + (<usize>(i * BC + j) << 2);
      v128.store(cp, c00); v128.store(cp, c01, 16);
      v128.store(cp, c10, BC * 4); v128.store(cp, c11, BC * 4 + 16);
      v128.store(cp, c20, BC * 8); v128.store(cp, c21, BC * 8 + 16);
      v128.store(cp, c30, BC * 12); v128.store(cp, c31, BC * 12 + 16);
      m0 = f32x4.pmax(m0, f32x4.pmax(c00, c01));
      m1 = f32x4.pmax(m1, f32x4.pmax(c10, c11));
      m2 = f32x4.pmax(m2, f32x4.pmax(c20, c21));
      m3 = f32x4.pmax(m3, f32x4.pmax(c30, c31));
    }
    const mp = rowMax + (<usize>i << 2);
    store<f32>(mp, hmax(m0));
    store<f32>(mp, hmax(m1), 4);
    store<f32>(mp, hmax(m2), 8);
    store<f32>(mp, hmax(m3), 12);
  }
}

/**
 * Os[rows x d] = Os * alpha[row] + P[rows x n] . V[n x d]: the rescale of
 * the running output folded into the accumulators' first load. P is the
 * score tile (row stride BC), n >= 1. Os is in 4-row panels of 4-column
 * blocks: row r of columns j..j+3 is at panel + (j / 4) * 64 + r * 16.
 */
function gemmPV(p: usize, v: usize, d: i32, os: usize, alpha: usize, rows: i32, n: i32): void {
  const vs = <usize>d << 2;
  const panel = <usize>d << 4;
  for (let i = 0; i < rows; i += 4) {
    const a = p + (<usize>(i * BC) << 2);
    const aEnd = a + (<usize>n << 2);
    const ai = alpha + (<usize>i << 2);
    const s0 = v128.load32_splat(ai);
    const s1 = v128.load32_splat(ai, 4);
    const s2 = v128.load32_splat(ai, 8);
    const s3 = v128.load32_splat(ai, 12);
    const ob = os + <usize>(i >> 2) * panel;
    for (let j = 0; j < d; j += 8) {
      const op = ob + (<usize>j << 4);
      let c00 = f32x4.mul(v128.load(op), s0), c01 = f32x4.mul(v128.load(op, 64), s0);
      let c10 = f32x4.mul(v128.load(op, 16), s1), c11 = f32x4.mul(v128.load(op, 80), s1);
      let c20 = f32x4.mul(v128.load(op, 32), s2), c21 = f32x4.mul(v128.load(op, 96), s2);
      let c30 = f32x4.mul(v128.load(op, 48), s3), c31 = f32x4.mul(v128.load(op, 112), s3);
      let ap = a;
      let bp = v + (<usize>j << 2);
      do {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let s = v128.load32_splat(ap);
        c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
        s = v128.load32_splat(ap, BC * 4);
        c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
        s = v128.load32_splat(ap, BC * 8);
        c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
        s = v128.load32_splat(ap, BC * 12);
        c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
        ap += 4;
        bp += vs;
      } while (ap < aEnd);
      v128.store(op, c00); v128.store(op, c01, 64);
      v128.store(op, c10, 16); v128.store(op, c11, 80);
      v128.store(op, c20, 32); v128.store(op, c21, 96);
      v128.store(op, c30, 48); v128.store(op, c31, 112);
    }
  }
}

/** Kt[c][jj] = K[jj][c] for jj < cols, zero for cols <= jj < colsPad: 4x4 blocks by shuffles, then single keys. */
function transposeKeys(k: usize, d: i32, cols: i32, colsPad: i32, kt: usize): void {
  const rowBytes = <usize>d << 2;
  let jj = 0;
  for (; jj + 4 <= cols; jj += 4) {
    const src = k + <usize>jj * rowBytes;
    let dst = kt + (<usize>jj << 2);
    for (let c = 0; c < d; c += 4) {
      const at = src + (<usize>c << 2);
      const r0 = v128.load(at);
      const r1 = v128.load(at + rowBytes);
      const r2 = v128.load(at + 2 * rowBytes);
      const r3 = v128.load(at + 3 * rowBytes);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), BC * 4);
      v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), BC * 8);
      v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), BC * 12);
      dst += BC * 16;
    }
  }
  for (; jj < cols; jj++) {
    const src = k + <usize>jj * rowBytes;
    let dst = kt + (<usize>jj << 2);
    for (let c = 0; c < d; c++) {
      store<f32>(dst, load<f32>(src + (<usize>c << 2)));
      dst += BC * 4;
    }
  }
  for (; jj < colsPad; jj++) {
    let dst = kt + (<usize>jj << 2);
    for (let c = 0; c < d; c++) {
      store<f32>(dst, 0);
      dst += BC * 4;
    }
  }
}

/**
 * Sets to -Infinity the scores of row r past column min(cols - 1, limit + r)
 * (padding keys and the causal mask), adds the key mask's bias (0 or
 * -Infinity), and writes each row's maximum again.
 */
function maskScores(sc: usize, rowMax: usize, bias: usize, hasBias: bool, rows: i32, cols: i32, colsPad: i32, limit: i32): void {
  const iota = i32x4(0, 1, 2, 3);
  const negInf = f32x4.splat(NEG_INF);
  for (let r = 0; r < rows; r++) {
    const row = sc + (<usize>(r * BC) << 2);
    const lastv = i32x4.splat(min(cols - 1, limit + r));
    let mx = negInf;
    for (let jj = 0; jj < colsPad; jj += 4) {
      let x = v128.load(row + (<usize>jj << 2));
      if (hasBias) x = f32x4.add(x, v128.load(bias + (<usize>jj << 2)));
      x = v128.bitselect(x, negInf, i32x4.le_s(i32x4.add(i32x4.splat(jj), iota), lastv));
      v128.store(row + (<usize>jj << 2), x);
      mx = f32x4.pmax(mx, x);
    }
    store<f32>(rowMax + (<usize>r << 2), hmax(mx));
  }
}

/**
 * Attention for `rows` (1..tileRows()) query rows against nk keys. `c` is
 * scale * log2(e) (the scores are kept in base 2).
 */
export function attend(q: usize, k: usize, v: usize, o: usize, bias: usize, rows: i32, nk: i32, d: i32, limit0: i32, c: f32, scratch: usize): void {
  const rowsPad = (rows + 3) & ~3;
  const qs = scratch;
  const os = qs + (<usize>(BR * d) << 2);
  const kt = os + (<usize>(BR * d) << 2);
  const sc = kt + (<usize>(d * BC) << 2);
  const mp = sc + (<usize>(BR * BC) << 2);
  const lp = mp + (<usize>BR << 2);
  const ap = lp + (<usize>BR << 2);
  const xp = ap + (<usize>BR << 2);
  const rowBytes = <usize>d << 2;
  const panel = <usize>d << 4;

  // The tile's queries, pre-scaled by c, into 4-row panels (a 4x4 transpose
  // per four rows and four columns); rows past `rows` are zero.
  const cv = f32x4.splat(c);
  const zero = f32x4.splat(0);
  for (let i = 0; i < rowsPad; i += 4) {
    const src = q + <usize>i * rowBytes;
    let dst = qs + <usize>(i >> 2) * panel;
    for (let x = 0; x < d; x += 4) {
      const at = src + (<usize>x << 2);
      const r0 = f32x4.mul(v128.load(at), cv);
      const r1 = i + 1 < rows ? f32x4.mul(v128.load(at + rowBytes), cv) : zero;
      const r2 = i + 2 < rows ? f32x4.mul(v128.load(at + 2 * rowBytes), cv) : zero;
      const r3 = i + 3 < rows ? f32x4.mul(v128.load(at + 3 * rowBytes), cv) : zero;
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
      v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
      v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
      dst += 64;
    }
  }
  for (let at = os; at < os + <usize>rowsPad * rowBytes; at += 16) v128.store(at, zero);
  for (let r = 0; r < rowsPad; r++) {
    store<f32>(mp + (<usize>r << 2), NEG_INF);
    store<f32>(lp + (<usize>r << 2), 0);
  }

  // Keys past the last row's limit are masked for every row: not visited.
  const kEnd = min(nk, limit0 + rows);
  for (let j0 = 0; j0 < kEnd; j0 += BC) {
    const cols = min(BC, kEnd - j0);
    const colsPad = (cols + 7) & ~7;
    transposeKeys(k + (<usize>(j0 * d) << 2), d, cols, colsPad, kt);
    gemmQK(qs, kt, sc, xp, rowsPad, colsPad, d);
    // Masked tiles (padding keys, a key mask, the causal diagonal) mask, then take the maxima again.
    if (cols < BC || bias != 0 || limit0 - j0 < BC - 1) maskScores(sc, xp, bias + (<usize>j0 << 2), bias != 0, rowsPad, cols, colsPad, limit0 - j0);

    for (let r = 0; r < rowsPad; r++) {
      const row = sc + (<usize>(r * BC) << 2);
      const mOld = load<f32>(mp + (<usize>r << 2));
      const mNew = max(mOld, load<f32>(xp + (<usize>r << 2)));
      // A row with nothing visible yet keeps m = -Infinity; its weights are 0.
      const mSafe: f32 = mNew == NEG_INF ? 0 : mNew;
      const alpha = exp2s(mOld - mSafe);
      const mv = f32x4.splat(mSafe);
      let sum = f32x4.splat(0);
      for (let jj = 0; jj < colsPad; jj += 4) {
        const pv = exp2v(f32x4.sub(v128.load(row + (<usize>jj << 2)), mv));
        v128.store(row + (<usize>jj << 2), pv);
        sum = f32x4.add(sum, pv);
      }
      store<f32>(mp + (<usize>r << 2), mNew);
      store<f32>(lp + (<usize>r << 2), load<f32>(lp + (<usize>r << 2)) * alpha + hsum(sum));
      store<f32>(ap + (<usize>r << 2), alpha);
    }
    gemmPV(sc, v + (<usize>(j0 * d) << 2), d, os, ap, rowsPad, cols);
  }

  // O = acc / l, out of the panels. A row that saw no key (l = 0) is 0; a
  // NaN or +Infinity score (only from non-finite inputs) makes the row NaN
  // rather than hide it.
  for (let r = 0; r < rows; r++) {
    const m = load<f32>(mp + (<usize>r << 2));
    const l = load<f32>(lp + (<usize>r << 2));
    let inv: f32 = l > 0 ? 1 / l : 0;
    if (m != m || m == Infinity) inv = NaN;
    const iv = f32x4.splat(inv);
    const src = os + <usize>(r >> 2) * panel + (<usize>(r & 3) << 4);
    const dst = o + <usize>r * rowBytes;
    for (let x = 0; x < d; x += 4) v128.store(dst + (<usize>x << 2), f32x4.mul(v128.load(src + (<usize>x << 4)), iv));
  }
}
