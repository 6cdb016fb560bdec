import { stringEnd } from './json-limits';

/**
 * Request ids beyond 2^53. `JSON.parse` reads every number as a double, so the id
 * 18446744073709551616 becomes 18446744073709552000 and the answer would carry an id the
 * client never sent. After the parse, an id that came out as an integer too large to be exact
 * is read again from the text; when its text is an integer the double does not print back
 * as, it becomes a bigint, which `encodePayload` writes back digit for digit.
 *
 * Only the ids the protocol echoes are restored: a message's `id`, and the `requestId` of a
 * `notifications/cancelled` (so that it finds the request it names). A fraction or an
 * exponent (`1.5`, `1e30`) stays a double: JSON-RPC says ids SHOULD NOT have fractions, and
 * a double prints back as a number its reader parses to the same double.
 *
 * The rescan runs only when a parsed id is an unsafe integer, and walks only the members it
 * needs, on text `JSON.parse` has just accepted.
 */
export function restoreLargeIds(value: unknown, text: string): void {
  if (!Array.isArray(value)) {
    if (needsRestore(value)) restoreMessage(value as Record<string, unknown>, text, firstToken(text, 0));
    return;
  }
  if (!value.some(needsRestore)) return;
  // A batch: walk its elements in order, to the ones that need it.
  let at = firstToken(text, firstToken(text, 0) + 1);
  for (let index = 0; index < value.length; index++) {
    if (index > 0) at = firstToken(text, firstToken(text, valueEnd(text, at)) + 1);
    if (needsRestore(value[index])) restoreMessage(value[index] as Record<string, unknown>, text, at);
  }
}

function isUnsafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function needsRestore(message: unknown): boolean {
  if (!isObject(message)) return false;
  if (isUnsafeInteger(message.id)) return true;
  const params = message.params;
  return message.method === 'notifications/cancelled' && isObject(params) && isUnsafeInteger(params.requestId);
}

/** `message` was parsed from the object at `start` in `text`. */
function restoreMessage(message: Record<string, unknown>, text: string, start: number): void {
  if (isUnsafeInteger(message.id)) {
    const id = exactInteger(text, memberValue(text, start, 'id'), message.id);
    if (id !== undefined) message.id = id;
  }
  const params = message.params;
  if (message.method === 'notifications/cancelled' && isObject(params) && isUnsafeInteger(params.requestId)) {
    const paramsStart = memberValue(text, start, 'params');
    if (paramsStart !== undefined && text.charCodeAt(paramsStart) === 0x7b) {
      const id = exactInteger(text, memberValue(text, paramsStart, 'requestId'), params.requestId);
      if (id !== undefined) params.requestId = id;
    }
  }
}

/** The number at `at` as a bigint, when it is an integer whose double (`parsed`) does not print back as its text. */
function exactInteger(text: string, at: number | undefined, parsed: number): bigint | undefined {
  if (at === undefined) return undefined;
  const end = scalarEnd(text, at);
  const raw = text.slice(at, end);
  return /^-?[0-9]+$/.test(raw) && raw !== String(parsed) ? BigInt(raw) : undefined;
}

/**
 * Where the value of the last member named `key` starts, in the object at `start` (JSON.parse
 * keeps the last of duplicate keys). Keys are compared decoded: `"\u0069d"` is `id`.
 */
function memberValue(text: string, start: number, key: string): number | undefined {
  let found: number | undefined;
  let i = firstToken(text, start + 1);
  if (text.charCodeAt(i) === 0x7d) return undefined;
  for (;;) {
    const keyEnd = stringEnd(text, i + 1);
    const rawKey = text.slice(i + 1, keyEnd - 1);
    const name = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
    const value = firstToken(text, firstToken(text, keyEnd) + 1);
    if (name === key) found = value;
    i = firstToken(text, valueEnd(text, value));
    if (text.charCodeAt(i) !== 0x2c) return found;
    i = firstToken(text, i + 1);
  }
}

/** The index just past the value starting at `at` (valid JSON). */
function valueEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 0x22) return stringEnd(text, at + 1);
  if (c !== 0x5b && c !== 0x7b) return scalarEnd(text, at);
  let depth = 0;
  let i = at;
  for (;;) {
    const d = text.charCodeAt(i);
    if (d === 0x22) {
      i = stringEnd(text, i + 1);
      continue;
    }
    if (d === 0x5b || d === 0x7b) depth++;
    else if ((d === 0x5d || d === 0x7d) && --depth === 0) return i + 1;
    i++;
  }
}

/** The index just past a number or literal starting at `at`. */
function scalarEnd(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    // Ends at , ] } whitespace, or the end of the text (NaN).
    if (
      Number.isNaN(c) ||
      c === 0x2c ||
      c === 0x5d ||
      c === 0x7d ||
      c === 0x20 ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x09
    )
      return i;
    i++;
  }
}

/** The first index at or after `at` that is not JSON whitespace. */
function firstToken(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
