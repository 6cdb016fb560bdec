/**
 * Reads a batched answer: one JSON object keyed by item id, possibly wrapped
 * in a code fence or prose. Each expected id comes out answered, or with the
 * reason it is not: missing, given twice (which of the two is the item's is
 * unknowable, so neither is used), or rejected by the caller's validator.
 * Keys that name no item of the request are ignored: they are never another
 * item's answer, since each item is looked up by its own id only.
 */
import { LlmResponseError } from '../errors';

export type ItemAnswer<A> = { ok: true; value: A } | { ok: false; problem: string };

/** The text of the first top-level JSON object in `text` (fences and prose around it are dropped). */
function jsonObjectText(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

/** The keys of the object's top level, in order, repeats included (JSON.parse keeps only the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < json.length && /\s/.test(json[k]!)) k++;
        if (json[k] === ':') keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/**
 * Each of `ids`' answer in `text`. Throws LlmResponseError when the text holds no JSON object at
 * all (every item of the request is then to be sent again).
 */
export function readAnswers<A>(
  text: string,
  ids: readonly string[],
  validate: (answer: unknown) => A,
): Map<string, ItemAnswer<A>> {
  const json = jsonObjectText(text);
  if (json === undefined) {
    const why = text.includes('{') ? 'is not valid JSON (an object that never closes)' : 'holds no JSON object';
    throw new LlmResponseError(`the answer ${why}: ${JSON.stringify(text.slice(0, 120))}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new LlmResponseError(`the answer is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new LlmResponseError('the answer is not a JSON object keyed by id');
  const record = parsed as Record<string, unknown>;
  const seen = new Map<string, number>();
  for (const key of topLevelKeys(json)) seen.set(key, (seen.get(key) ?? 0) + 1);
  const out = new Map<string, ItemAnswer<A>>();
  for (const id of ids) {
    const times = seen.get(id) ?? 0;
    if (times === 0) out.set(id, { ok: false, problem: `id ${id} missing from the answer` });
    else if (times > 1) out.set(id, { ok: false, problem: `id ${id} answered ${times} times` });
    else {
      try {
        out.set(id, { ok: true, value: validate(record[id]) });
      } catch (error) {
        out.set(id, {
          ok: false,
          problem: `id ${id} malformed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  }
  return out;
}
