/**
 * Gives each item of a finished batch its own outcome from the sink's answer:
 * an array in item order, or a Map / plain object keyed by item id. An Error
 * as a result rejects that item only; an answer of the wrong shape rejects
 * the items it leaves without a result, with a SinkResultError saying why.
 */
import type { Batch } from './batch';
import { SinkResultError } from './errors';
import type { ItemId } from './options';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value)})` : typeof value;
}

/** Settles every entry of `batch` from `answer`. */
export function applyAnswer(batch: Batch, answer: unknown): void {
  const size = batch.size;
  if (Array.isArray(answer)) {
    if (answer.length !== size) {
      batch.failAll(new SinkResultError(batch.batch, `the sink returned ${answer.length} results for ${size} items`));
      return;
    }
    batch.settleAll(answer);
    return;
  }
  let lookup: ((id: ItemId) => { found: boolean; value: unknown }) | undefined;
  let keys: () => ItemId[];
  if (answer instanceof Map) {
    lookup = (id) => ({ found: answer.has(id), value: answer.get(id) });
    keys = () => [...(answer.keys() as Iterable<ItemId>)];
  } else if (answer !== null && typeof answer === 'object' && Object.getPrototypeOf(answer) === Object.prototype) {
    const record = answer as Record<string, unknown>;
    lookup = (id) => ({ found: Object.hasOwn(record, String(id)), value: record[String(id)] });
    keys = () => Object.keys(record);
  } else {
    batch.failAll(
      new SinkResultError(
        batch.batch,
        `the sink returned ${describe(answer)}: expected an array of ${size} results or a Map by item id`,
      ),
    );
    return;
  }
  let ids: readonly ItemId[];
  try {
    ids = batch.ids;
  } catch (cause) {
    batch.failAll(
      new SinkResultError(batch.batch, `idOf threw: ${cause instanceof Error ? cause.message : String(cause)}`),
    );
    return;
  }
  // Each item's outcome (an Error rejects it), then settled in one pass.
  const results = new Array<unknown>(size);
  let unknown: string | undefined;
  for (let i = 0; i < size; i++) {
    const { found, value } = lookup(ids[i]!);
    if (found) {
      results[i] = value;
      continue;
    }
    if (unknown === undefined) {
      const wanted = new Set(ids.map(String));
      const extra = keys().filter((k) => !wanted.has(String(k)));
      unknown =
        extra.length === 0
          ? ''
          : `; it answered unknown ids ${extra.slice(0, 5).map(String).join(', ')}${extra.length > 5 ? ', ...' : ''}`;
    }
    results[i] = new SinkResultError(batch.batch, `the sink gave no result for item id ${String(ids[i])}${unknown}`);
  }
  batch.settleAll(results);
}
