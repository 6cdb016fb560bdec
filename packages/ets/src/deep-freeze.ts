/**
 * Deep freezing of decoded objects, for the read cache: a cached object is
 * shared by every caller, so it must be immutable all the way down. Only
 * values whose immutability Object.freeze guarantees qualify: primitives and
 * plain arrays and objects of them. A Map, Set, Date or typed array stays
 * mutable when frozen (or cannot be frozen), so an object holding one is not
 * cached.
 */

/** Nesting past this is not cached (a decoded object has no cycles; this bounds the walk). */
const MAX_DEPTH = 64;

/** Whether `deepFreeze` makes `value` immutable: primitives and plain arrays and objects of them. */
export function canDeepFreeze(value: unknown): boolean {
  return freezable(value, 0);
}

function freezable(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'function';
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!freezable(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in value) if (!freezable((value as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** Freezes `value` and everything it holds (check `canDeepFreeze` first). */
export function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  else for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
}
