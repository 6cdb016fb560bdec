/** A number JSON cannot carry, and the JSON Pointer (RFC 6901) of where it sits. */
export interface NonJsonNumber {
  value: number;
  pointer: string;
}

interface Frame {
  value: unknown;
  key: string;
  parent: Frame | undefined;
}

/**
 * Finds a NaN or ±Infinity that JSON.stringify would meet in `value` (it writes them as
 * null), or undefined when there is none. It walks what JSON.stringify walks: arrays by
 * index and other objects by their own enumerable keys, skipping objects with `toJSON`. The
 * walk keeps its own stack, so deep values cannot overflow the call stack, and visits each
 * object once, so a cycle ends there (the encoder reports cycles itself). -0 is fine: JSON
 * writes it as 0.
 */
export function findNonJsonNumber(value: unknown): NonJsonNumber | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { value, pointer: '' };
  if (typeof value !== 'object' || value === null) return undefined;
  const seen = new Set<object>();
  const stack: Frame[] = [{ value, key: '', parent: undefined }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const current = frame.value as Record<string | number, unknown>;
    if (seen.has(current)) continue;
    seen.add(current);
    if (typeof current.toJSON === 'function') continue;
    const keys = Array.isArray(current) ? current.keys() : Object.keys(current);
    // Leaves are checked here; only objects get a frame.
    const objects: Frame[] = [];
    for (const key of keys) {
      const child = current[key];
      if (typeof child === 'number') {
        if (!Number.isFinite(child))
          return { value: child, pointer: pointerOf({ value: child, key: String(key), parent: frame }) };
      } else if (typeof child === 'object' && child !== null) {
        objects.push({ value: child, key: String(key), parent: frame });
      }
    }
    for (let i = objects.length - 1; i >= 0; i--) stack.push(objects[i]!); // so they are visited in order
  }
  return undefined;
}

function pointerOf(frame: Frame): string {
  const steps: string[] = [];
  for (let step: Frame | undefined = frame; step?.parent !== undefined; step = step.parent) {
    steps.push(`/${step.key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
  return steps.reverse().join('');
}
