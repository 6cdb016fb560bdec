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

function settleOne(entry: Batch['entries'][number], value: unknown): void {
  if (value instanceof Error) entry.reject(value);
  else entry.resolve(value);
}

/** Settles every entry of `batch` from `answer`. */
export function applyAnswer(batch: Batch, answer: unknown): void {
  const entries = batch.entries;
  if (Array.isArray(answer)) {
    if (answer.length !== entries.length) {
      const error = new SinkResultError(
        batch.batch,
        `the sink returned ${answer.length} results for ${entries.length} items`,
      );
      for (const e of entries) e.reject(error);
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
    const error = new SinkResultError(
      batch.batch,
      `the sink returned ${describe(answer)}: expected an array of ${entries.length} results or a Map by item id`,
    );
    for (const e of entries) e.reject(error);
    return;
  }
  let ids: readonly ItemId[];
  try {
    ids = batch.ids;
  } catch (cause) {
    for (const e of entries)
      e.reject(
        new SinkResultError(batch.batch, `idOf threw: ${cause instanceof Error ? cause.message : String(cause)}`),
      );
    return;
  }
  let unknown: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const { found, value } = lookup(ids[i]!);
    if (found) {
      settleOne(entries[i]!, value);
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
    entries[i]!.reject(
      new SinkResultError(batch.batch, `the sink gave no result for item id ${String(ids[i])}${unknown}`),
    );
  }
}
