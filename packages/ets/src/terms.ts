/**
 * Equality and order of stored values, as keys define them: two values are
 * equal when their canonical key encodings are equal, and ordered by those
 * encodings (numbers numerically, strings by code point, arrays element by
 * element, ...). Used by match specs, deleteObject and bag duplicate checks.
 */
import { KeyWriter, compareBytes } from './key-codec';

const left = new KeyWriter();
const right = new KeyWriter();

export function termEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== 'object' && ta !== 'bigint') return ta === 'number' && typeof b === 'number' && a !== a && b !== b;
  if (typeof b !== 'object' && typeof b !== 'bigint') return false;
  return compareTerms(a, b) === 0;
}

export function compareTerms(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number' && a === a && b === b) return a < b ? -1 : a > b ? 1 : 0;
  const la = left.encode(a);
  const lb = right.encode(b);
  const d = compareBytes(left.buf, 0, la, right.buf, 0, lb);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}
