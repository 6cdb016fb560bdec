/**
 * Default item sizes for `maxBytes` and `maxTokens`: a string as itself,
 * anything else as its JSON. The tokenizer (gpt-tokenizer, o200k_base) is
 * loaded on first use, so a batcher without `maxTokens` never loads it.
 */
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
  const { countTokens } = require('gpt-tokenizer/encoding/o200k_base') as typeof import('gpt-tokenizer/encoding/o200k_base');
  return countTokens(text(item));
}
