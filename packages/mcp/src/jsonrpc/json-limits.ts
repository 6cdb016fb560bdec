/**
 * A pre-scan of a frame's text, before `JSON.parse`: one linear pass that bounds how deep the
 * JSON nests and how many object members and array elements it holds. `JSON.parse` of 4 MB of
 * `[[[[...` takes about a second and hundreds of MB before anything can look at the result;
 * this pass refuses it after reading `maxDepth + 1` characters.
 *
 * The scan tokenizes only as far as it must: strings (with their escapes) are skipped whole,
 * brackets are matched, commas counted. It does not validate numbers, literals or colons;
 * `JSON.parse` still does. What it does say about validity is always right: for every text
 * `JSON.parse` accepts, the scan's view of strings and brackets is exact, so it never calls
 * such a text malformed, and its counts are the value's own.
 */

/** Bounds on the shape of one frame; each a non-negative integer or Infinity. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (`[]` is 1, `[[]]` 2; a JSON-RPC request's `params` object is at 2). Default 64. */
  maxDepth?: number;
  /** Members of all the frame's objects together. Default 100,000. */
  maxObjectKeys?: number;
  /** Elements of all the frame's arrays together. Default 100,000. */
  maxArrayItems?: number;
}

export type JsonLimitName = keyof JsonLimits;

export const DEFAULT_JSON_LIMITS: Readonly<Required<JsonLimits>> = Object.freeze({
  maxDepth: 64,
  maxObjectKeys: 100_000,
  maxArrayItems: 100_000,
});

export type JsonScan =
  | { ok: true }
  /** The frame goes past `limit` at `offset` (in UTF-16 units); the scan stopped there. */
  | { ok: false; kind: 'limit'; limit: JsonLimitName; max: number; offset: number }
  /** Certainly not JSON: `JSON.parse` would throw too. */
  | { ok: false; kind: 'malformed'; reason: string; offset: number };

/** The limits with defaults filled in; a RangeError for a limit that is not a count. */
export function resolveJsonLimits(limits?: JsonLimits): Readonly<Required<JsonLimits>> {
  // The common case allocates nothing: a server may hold many thousands of sessions.
  if (limits === undefined) return DEFAULT_JSON_LIMITS;
  const resolved = { ...DEFAULT_JSON_LIMITS, ...definedOnly(limits) };
  for (const name of ['maxDepth', 'maxObjectKeys', 'maxArrayItems'] as const) {
    const value = resolved[name];
    if (!(value === Infinity || (Number.isInteger(value) && value >= 0))) {
      throw new RangeError(`${name} must be a non-negative integer or Infinity; got ${value}`);
    }
  }
  return Object.freeze(resolved);
}

function definedOnly(limits: JsonLimits): JsonLimits {
  const out: JsonLimits = {};
  if (limits.maxDepth !== undefined) out.maxDepth = limits.maxDepth;
  if (limits.maxObjectKeys !== undefined) out.maxObjectKeys = limits.maxObjectKeys;
  if (limits.maxArrayItems !== undefined) out.maxArrayItems = limits.maxArrayItems;
  return out;
}

const BACKSLASH = 0x5c;
const CLOSE_OBJECT = 0x7d;
const OPEN_OBJECT = 0x7b;
const OK: JsonScan = Object.freeze({ ok: true });

/** What a character is to the scan. Most characters (digits, letters, colons) are OTHER: one table load, one test. */
const OTHER = 0;
const SPACE = 1;
const CLOSE = 2;
const COMMA = 3;
const QUOTE = 4;
const OPEN = 5;
const CLASS = new Uint8Array(128);
CLASS[0x20] = CLASS[0x0a] = CLASS[0x0d] = CLASS[0x09] = SPACE;
CLASS[0x5d] = CLASS[0x7d] = CLOSE;
CLASS[0x2c] = COMMA;
CLASS[0x22] = QUOTE;
CLASS[0x5b] = CLASS[0x7b] = OPEN;

/**
 * Container kinds of the open brackets (1 object, 0 array). Shared: the scan is synchronous
 * and never re-entered, and a frame within limits needs no more than maxDepth entries.
 */
let kinds = new Uint8Array(128);

/**
 * Scans `text` against `limits` (each missing one at its default). Sessions and the HTTP
 * handler check their limits with {@link resolveJsonLimits} when they are made; here a limit
 * that is not a number bounds nothing.
 */
export function scanJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonScan {
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  const maxObjectKeys = limits.maxObjectKeys ?? DEFAULT_JSON_LIMITS.maxObjectKeys;
  const maxArrayItems = limits.maxArrayItems ?? DEFAULT_JSON_LIMITS.maxArrayItems;
  const length = text.length;
  let depth = 0;
  let keys = 0;
  let items = 0;
  /** The innermost open container is an object. */
  let inObject = false;
  /** The innermost container was just opened: its first member or element is not counted yet. */
  let fresh = false;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? CLASS[c] : OTHER;
    if (kind === OTHER && !fresh) {
      // Inside a number or literal, or a colon, or a stray character: JSON.parse's to judge.
      i++;
      continue;
    }
    if (kind === SPACE) {
      i++;
      continue;
    }
    if (kind === CLOSE) {
      if (depth === 0) return malformed(`unexpected ${String.fromCharCode(c)}`, i);
      if (inObject !== (c === CLOSE_OBJECT))
        return malformed(`${String.fromCharCode(c)} closes ${inObject ? 'an object' : 'an array'}`, i);
      depth--;
      inObject = depth > 0 && kinds[depth - 1] === 1;
      fresh = false;
      i++;
      continue;
    }
    // A comma, or the first token in a container, starts one more member (object) or element (array).
    if (kind === COMMA || fresh) {
      fresh = false;
      if (depth > 0) {
        if (inObject) {
          if (++keys > maxObjectKeys) return overLimit('maxObjectKeys', maxObjectKeys, i);
        } else if (++items > maxArrayItems) return overLimit('maxArrayItems', maxArrayItems, i);
      }
      if (kind !== QUOTE && kind !== OPEN) {
        i++;
        continue;
      }
    }
    if (kind === QUOTE) {
      i = stringEnd(text, i + 1);
      if (i < 0) return malformed('unterminated string', length);
      continue;
    }
    // OPEN
    if (depth >= maxDepth) return overLimit('maxDepth', maxDepth, i);
    if (depth === kinds.length) {
      const grown = new Uint8Array(kinds.length * 2);
      grown.set(kinds);
      kinds = grown;
    }
    inObject = c === OPEN_OBJECT;
    kinds[depth++] = inObject ? 1 : 0;
    fresh = true;
    i++;
  }
  return depth === 0 ? OK : malformed('unclosed array or object', length);
}

/**
 * The index just past the closing quote of a string whose content starts at `from`, or -1.
 * A quote is escaped when an odd number of backslashes precedes it; each run of backslashes
 * is counted once, so the whole is linear in the text.
 */
export function stringEnd(text: string, from: number): number {
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let j = quote - 1; j >= from && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

function overLimit(limit: JsonLimitName, max: number, offset: number): JsonScan {
  return { ok: false, kind: 'limit', limit, max, offset };
}

function malformed(reason: string, offset: number): JsonScan {
  return { ok: false, kind: 'malformed', reason, offset };
}
