/**
 * An item's group, bytes and tokens, as the batcher process sees it. Default
 * sizes for `maxBytes` and `maxTokens`: a string as itself, anything else as
 * its JSON. The tokenizer (gpt-tokenizer, o200k_base) is loaded on first use,
 * so a batcher without `maxTokens` never loads it.
 */
import type { Entry } from './entry';
import { BatcherArgError, ItemTooLargeError } from './errors';
import type { GroupKey, Settings } from './options';
function text(item: unknown): string {
  if (typeof item === 'string') return item;
  const json = JSON.stringify(item);
  if (json === undefined) throw new TypeError(`${typeof item} has no JSON form: give sizeOf / tokensOf`);
  return json;
}

export function byteSize(item: unknown): number {
  return Buffer.byteLength(text(item));
}

export function tokenCount(item: unknown): number {
  const { countTokens } =
    require('gpt-tokenizer/encoding/o200k_base') as typeof import('gpt-tokenizer/encoding/o200k_base');
  return countTokens(text(item));
}

/** measure()'s answer for an item it rejected. */
export const REFUSED: unique symbol = Symbol('refused');

/** An entry's group (its bytes and tokens kept on it), or REFUSED, the entry rejected, if it cannot be batched. */
export function measure(s: Settings<unknown, unknown>, e: Entry): GroupKey | typeof REFUSED {
  let group: GroupKey;
  try {
    if (s.groupBy !== undefined) group = s.groupBy(e.item);
  } catch (cause) {
    e.reject(
      new BatcherArgError(`groupBy threw for this item: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      }),
    );
    return REFUSED;
  }
  if (s.maxBytes === Infinity && s.maxTokens === Infinity) return group;
  const extra = e.more();
  try {
    if (s.maxBytes !== Infinity) extra.bytes = s.sizeOf === undefined ? byteSize(e.item) : s.sizeOf(e.item);
    if (s.maxTokens !== Infinity) extra.tokens = s.tokensOf === undefined ? tokenCount(e.item) : s.tokensOf(e.item);
  } catch (cause) {
    e.reject(
      new BatcherArgError(`could not size this item: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      }),
    );
    return REFUSED;
  }
  for (const [what, value] of [
    ['sizeOf', extra.bytes],
    ['tokensOf', extra.tokens],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0)) {
      e.reject(new BatcherArgError(`${what} gave ${String(value)}: expected a number >= 0`));
      return REFUSED;
    }
  }
  if (extra.bytes > s.maxBytes) return (e.reject(new ItemTooLargeError('bytes', extra.bytes, s.maxBytes)), REFUSED);
  if (extra.tokens > s.maxTokens)
    return (e.reject(new ItemTooLargeError('tokens', extra.tokens, s.maxTokens)), REFUSED);
  return group;
}
