/**
 * updateCounter and updateElement as pure functions of an object: their
 * checks and errors, and the change they make. A table applies them under
 * its stripe's lock; a layer over tables (@erlmcp/ets-optimizer) applies
 * them in its compare-and-swap loop, and so behaves as a table does.
 */
import { BadArgError } from './errors';
import type { CounterOp } from './types';

export function checkPosition(pos: number): void {
  if (!Number.isInteger(pos) || pos < 1) throw new BadArgError(`position must be a positive integer, got ${pos}`);
}

/** The ops of an updateCounter call, checked before anything is read. */
export function counterOps(op: number | CounterOp | readonly CounterOp[], keyPos: number): CounterOp[] {
  const ops: CounterOp[] =
    typeof op === 'number'
      ? [{ pos: keyPos + 1, incr: op }]
      : Array.isArray(op)
        ? [...(op as CounterOp[])]
        : [op as CounterOp];
  for (const o of ops) {
    checkPosition(o.pos);
    if (o.pos === keyPos) throw new BadArgError('updateCounter: cannot update the key');
    if (!Number.isSafeInteger(o.incr)) throw new BadArgError(`updateCounter: increment ${o.incr} is not an integer`);
    if ((o.threshold === undefined) !== (o.setValue === undefined))
      throw new BadArgError('updateCounter: threshold and setValue go together');
    if (o.threshold !== undefined && !(Number.isSafeInteger(o.threshold) && Number.isSafeInteger(o.setValue))) {
      throw new BadArgError(`updateCounter: threshold ${o.threshold} and setValue ${o.setValue} must be integers`);
    }
  }
  return ops;
}

/** Applies counter ops to `object` in place; returns the new values. */
export function applyCounter(object: unknown[], ops: readonly CounterOp[]): number[] {
  return ops.map((o) => {
    if (o.pos > object.length)
      throw new BadArgError(`updateCounter: position ${o.pos} is past the object's ${object.length} elements`);
    const current = object[o.pos - 1];
    if (typeof current !== 'number' || !Number.isSafeInteger(current))
      throw new BadArgError(`updateCounter: element ${o.pos} is not an integer`);
    let next = current + o.incr;
    if (o.threshold !== undefined && (o.incr >= 0 ? next > o.threshold : next < o.threshold)) next = o.setValue!;
    // Erlang's integers have no bound; a number past 2^53 would silently round.
    if (!Number.isSafeInteger(next))
      throw new BadArgError(
        `updateCounter: element ${o.pos} would pass ${Number.MAX_SAFE_INTEGER} in magnitude, past the integers a number holds exactly`,
      );
    object[o.pos - 1] = next;
    return next;
  });
}

/** The updates of an updateElement call, checked. */
export function elementUpdates(
  update: readonly [number, unknown] | ReadonlyArray<readonly [number, unknown]>,
  keyPos: number,
): ReadonlyArray<readonly [number, unknown]> {
  const updates = (typeof update[0] === 'number' ? [update] : update) as ReadonlyArray<readonly [number, unknown]>;
  for (const [pos] of updates) {
    checkPosition(pos);
    if (pos === keyPos) throw new BadArgError('updateElement: cannot update the key');
  }
  return updates;
}

export function applyElements(object: unknown[], updates: ReadonlyArray<readonly [number, unknown]>): void {
  for (const [pos] of updates) {
    if (pos > object.length)
      throw new BadArgError(`updateElement: position ${pos} is past the object's ${object.length} elements`);
  }
  for (const [pos, value] of updates) object[pos - 1] = value;
}
