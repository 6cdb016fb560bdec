/**
 * Shapes and input checks. Tensors are f32, row-major, laid out
 * (batch, heads, rows, d): Q has `heads` heads of `queries` rows, K and V
 * `kvHeads` heads of `keys` rows. Query head h reads K/V head
 * floor(h / (heads / kvHeads)): grouped-query attention, multi-query when
 * kvHeads is 1.
 */
import { DtypeError, LimitError, NonFiniteError, ShapeError } from './errors';

/** The head sizes the kernels are built for. */
export const HEAD_DIMS: readonly number[] = [32, 64, 128];

export interface AttentionShape {
  batch: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads; divides `heads`. Default: `heads`. */
  kvHeads?: number;
  /** Query rows per head. */
  queries: number;
  /** Key/value rows per head. Default: `queries`. */
  keys?: number;
  /** Head size: 32, 64 or 128. */
  d: number;
}

export interface AttentionInput {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  shape: AttentionShape;
  /**
   * Causal masking, aligned to the last row: query row i sees keys
   * j <= i + (keys - queries), so with keys === queries row i sees 0..i, and a
   * decode step's new rows see the whole cache plus the new rows before them.
   */
  causal?: boolean;
  /** Key padding mask, (batch, keys): nonzero attends, 0 is padding. */
  keyMask?: Uint8Array;
  /** Scale of the scores; default 1 / sqrt(d). */
  scale?: number;
}

/** What to do with NaN and infinite values in Q, K and V. */
export type NonFinitePolicy = 'reject' | 'allow';

/** A shape with every default filled in. */
export interface Dims {
  batch: number;
  heads: number;
  kvHeads: number;
  queries: number;
  keys: number;
  d: number;
}

function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ShapeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** The shape with its defaults, checked: integers, d supported, kvHeads divides heads, lengths within `maxSequence`. */
export function checkShape(shape: AttentionShape, maxSequence: number): Dims {
  if (typeof shape !== 'object' || shape === null)
    throw new ShapeError('shape must be an object { batch, heads, kvHeads?, queries, keys?, d }');
  const batch = positiveInt('shape.batch', shape.batch);
  const heads = positiveInt('shape.heads', shape.heads);
  const kvHeads = positiveInt('shape.kvHeads', shape.kvHeads ?? heads);
  const queries = positiveInt('shape.queries', shape.queries);
  const keys = positiveInt('shape.keys', shape.keys ?? queries);
  const d = positiveInt('shape.d', shape.d);
  if (!HEAD_DIMS.includes(d)) throw new ShapeError(`shape.d must be one of ${HEAD_DIMS.join(', ')}, got ${d}`);
  if (heads % kvHeads !== 0) throw new ShapeError(`shape.kvHeads (${kvHeads}) must divide shape.heads (${heads})`);
  if (queries > maxSequence) throw new LimitError(`shape.queries (${queries}) is past maxSequence (${maxSequence})`);
  if (keys > maxSequence) throw new LimitError(`shape.keys (${keys}) is past maxSequence (${maxSequence})`);
  return { batch, heads, kvHeads, queries, keys, d };
}

function checkTensor(name: string, value: unknown, expected: number, dims: string): Float32Array {
  if (!(value instanceof Float32Array)) throw new DtypeError(name, 'Float32Array', value);
  if (value.length !== expected)
    throw new ShapeError(`${name} has ${value.length} elements; ${dims} needs ${expected}`);
  return value;
}

/** Throws NonFiniteError at the first NaN or infinity, naming where it is. */
export function checkFinite(name: string, t: Float32Array, heads: number, rows: number, d: number): void {
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!;
    if (x - x !== 0) {
      const c = i % d;
      const row = Math.floor(i / d) % rows;
      const head = Math.floor(i / (d * rows)) % heads;
      const b = Math.floor(i / (d * rows * heads));
      throw new NonFiniteError(name, i, x, `batch ${b}, head ${head}, row ${row}, column ${c}`);
    }
  }
}

/** Checks a whole request: shape, types, lengths, mask, scale, and the non-finite policy. */
export function checkInput(input: AttentionInput, maxSequence: number, nonFinite: NonFinitePolicy): Dims {
  if (typeof input !== 'object' || input === null) throw new ShapeError('input must be an object { q, k, v, shape }');
  const dims = checkShape(input.shape, maxSequence);
  const { batch, heads, kvHeads, queries, keys, d } = dims;
  checkTensor(
    'q',
    input.q,
    batch * heads * queries * d,
    `(batch ${batch}, heads ${heads}, queries ${queries}, d ${d})`,
  );
  const kvDims = `(batch ${batch}, kvHeads ${kvHeads}, keys ${keys}, d ${d})`;
  checkTensor('k', input.k, batch * kvHeads * keys * d, kvDims);
  checkTensor('v', input.v, batch * kvHeads * keys * d, kvDims);
  checkMask(input.keyMask, batch, keys);
  checkScale(input.scale);
  if (input.causal !== undefined && typeof input.causal !== 'boolean')
    throw new ShapeError(`causal must be a boolean, got ${typeof input.causal}`);
  if (nonFinite === 'reject') {
    checkFinite('q', input.q, heads, queries, d);
    checkFinite('k', input.k, kvHeads, keys, d);
    checkFinite('v', input.v, kvHeads, keys, d);
  }
  return dims;
}

export function checkMask(mask: unknown, batch: number, keys: number): void {
  if (mask === undefined) return;
  if (!(mask instanceof Uint8Array)) throw new DtypeError('keyMask', 'Uint8Array', mask);
  if (mask.length !== batch * keys)
    throw new ShapeError(`keyMask has ${mask.length} elements; (batch ${batch}, keys ${keys}) needs ${batch * keys}`);
}

export function checkScale(scale: unknown): void {
  if (scale === undefined) return;
  /* eslint-disable @typescript-eslint/no-base-to-string -- a bad value, shown in the message as String() shows it */
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)
    throw new ShapeError(`scale must be a finite positive number, got ${String(scale)}`);
  /* eslint-enable @typescript-eslint/no-base-to-string */
}
