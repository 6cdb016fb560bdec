import { isPlainObject } from '../jsonrpc/codec';
import type { JsonObject } from '../jsonrpc/types';

// Cacheable results of 2026-07-28 (schema.ts: CacheableResult, SEP-2549): the lists and
// resources/read carry `ttlMs` (how long the client may reuse the result) and `cacheScope`
// ('public' or 'private', who may share it). One client is one authorization context, so
// this per-client cache keeps both scopes. A list_changed notification (or a resource's
// update) drops what it makes stale before the ttl runs out.

/** `cache: false` turns the cache off; the default keeps at most 256 results. */
export type ResultCacheOption = boolean | { maxEntries?: number };

const CACHEABLE: ReadonlySet<string> = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** Which cached methods each change notification makes stale. */
const STALE_ON: Readonly<Record<string, readonly string[]>> = {
  'notifications/tools/list_changed': ['tools/list'],
  'notifications/prompts/list_changed': ['prompts/list'],
  'notifications/resources/list_changed': ['resources/list', 'resources/templates/list'],
};

interface Entry {
  readonly method: string;
  readonly uri: string | undefined;
  readonly expires: number;
  readonly result: JsonObject;
}

/** The cache key: the method and its params less `_meta` (the era and log level do not change the answer). */
function keyOf(method: string, params: JsonObject): string {
  const { _meta: _ignored, ...rest } = params;
  return `${method}\n${JSON.stringify(rest, Object.keys(rest).sort())}`;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(
    option: Exclude<ResultCacheOption, false> = true,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.maxEntries = option === true ? 256 : (option.maxEntries ?? 256);
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError('cache.maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether results of this request may be cached at all (answers to a server's questions never are). */
  static cacheable(method: string, params: JsonObject): boolean {
    return CACHEABLE.has(method) && params.inputResponses === undefined && params.requestState === undefined;
  }

  /** A fresh copy of the cached result, or undefined when there is none or it is stale. */
  get(method: string, params: JsonObject): JsonObject | undefined {
    const key = keyOf(method, params);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expires) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(entry.result);
  }

  /** Keeps a complete result for its `ttlMs`; a result without a positive ttl is not kept. */
  put(method: string, params: JsonObject, result: JsonObject): void {
    const ttl = result.ttlMs;
    if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) return;
    if (result.resultType !== undefined && result.resultType !== 'complete') return;
    const key = keyOf(method, params);
    this.entries.delete(key);
    const uri = typeof params.uri === 'string' ? params.uri : undefined;
    this.entries.set(key, { method, uri, expires: this.now() + ttl, result: structuredClone(result) });
    // The oldest entry goes first: Map keeps insertion order, and a re-put moves to the end.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Drops what a server notification makes stale; returns how many results were dropped. */
  notified(method: string, params: JsonObject | undefined): number {
    let dropped = 0;
    const methods = STALE_ON[method];
    const updated = method === 'notifications/resources/updated' && isPlainObject(params) ? params.uri : undefined;
    if (methods === undefined && typeof updated !== 'string') return 0;
    for (const [key, entry] of this.entries) {
      const stale =
        methods !== undefined
          ? methods.includes(entry.method)
          : // The updated URI may be a sub-resource of the one read.
            entry.uri !== undefined && (entry.uri === updated || (updated as string).startsWith(entry.uri));
      if (stale) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }
}
