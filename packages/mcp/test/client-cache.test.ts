import type { JsonRpcPayload } from '@erlmcp/mcp';
import { ClientSession, type ClientSessionOptions } from '../src/client';
import { ResultCache } from '../src/client/result-cache';
import { defineServer, type McpServerDefinition } from '../src/server';

// Caching of 2026-07-28 cacheable results by ttlMs (SEP-2549), dropped early by the
// list_changed and resources/updated notifications of a subscription.

const INFO = { name: 'cache-client', version: '1.0.0' };

function cachedServer(ttlMs: number): McpServerDefinition {
  return defineServer({ name: 'cached', version: '1.0.0' }, { cache: { ttlMs, cacheScope: 'public' } })
    .tool({ name: 'first', handler: () => ({ content: [] }) })
    .resource({ uri: 'memo://a', name: 'a', read: () => [{ uri: 'memo://a', text: `read at ${Date.now()}` }] })
    .resource({ uri: 'memo://b', name: 'b', read: () => [{ uri: 'memo://b', text: 'b' }] })
    .prompt({ name: 'p', handler: () => ({ messages: [] }) })
    .build();
}

/** Our client and a server session of `definition`, back to back; `sent` records the client's requests. */
function backToBack(definition: McpServerDefinition, options: Partial<ClientSessionOptions> = {}) {
  const sent: string[] = [];
  const session = definition.createSession({
    send: (message: JsonRpcPayload) => void setImmediate(() => client.receive(message)),
  });
  const client: ClientSession = new ClientSession({
    clientInfo: INFO,
    versionNegotiation: 'auto',
    ...options,
    send: (message) => {
      if (!Array.isArray(message) && 'method' in message) sent.push(message.method);
      setImmediate(() => session.receive(message));
    },
  });
  return { client, session, sent, requests: (method: string) => sent.filter((m) => m === method).length };
}

describe('ResultCache', () => {
  test('keeps a result for its ttlMs, as a copy; params other than _meta make the key', () => {
    let now = 1000;
    const cache = new ResultCache(true, () => now);
    const result = { resultType: 'complete', ttlMs: 500, cacheScope: 'private', tools: [{ name: 'a' }] };
    cache.put('tools/list', { _meta: { any: 1 } }, result);
    result.tools.push({ name: 'mutated after put' });
    const hit = cache.get('tools/list', { _meta: { other: 2 } });
    expect(hit?.tools).toEqual([{ name: 'a' }]);
    (hit?.tools as unknown[]).push('mutated after get');
    expect(cache.get('tools/list', {})?.tools).toEqual([{ name: 'a' }]);
    expect(cache.get('tools/list', { cursor: 'page2' })).toBeUndefined();
    now = 1499;
    expect(cache.get('tools/list', {})).toBeDefined();
    now = 1500;
    expect(cache.get('tools/list', {})).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('keeps nothing without a positive ttl or a complete result; never the answers to questions', () => {
    const cache = new ResultCache();
    cache.put('tools/list', {}, { resultType: 'complete', ttlMs: 0, tools: [] });
    cache.put('prompts/list', {}, { resultType: 'complete', prompts: [] });
    cache.put('resources/read', { uri: 'x' }, { resultType: 'input_required', ttlMs: 100 });
    expect(cache.size).toBe(0);
    expect(ResultCache.cacheable('tools/call', {})).toBe(false);
    expect(ResultCache.cacheable('resources/read', { uri: 'x', requestState: 's' })).toBe(false);
    expect(ResultCache.cacheable('resources/read', { uri: 'x' })).toBe(true);
  });

  test('drops what a notification makes stale, and the oldest past maxEntries', () => {
    const cache = new ResultCache({ maxEntries: 3 });
    const put = (method: string, params: Record<string, unknown>): void =>
      cache.put(method, params, { resultType: 'complete', ttlMs: 60_000 });
    put('tools/list', {});
    put('resources/list', {});
    put('resources/templates/list', {});
    put('resources/read', { uri: 'file:///dir' });
    expect(cache.size).toBe(3);
    expect(cache.get('tools/list', {})).toBeUndefined();
    expect(cache.notified('notifications/resources/updated', { uri: 'file:///dir/sub' })).toBe(1);
    expect(cache.notified('notifications/resources/list_changed', undefined)).toBe(2);
    expect(cache.size).toBe(0);
    expect(() => new ResultCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('ClientSession caching against our server', () => {
  test('lists and reads are served from the cache within ttlMs, until a subscription says they changed', async () => {
    const definition = cachedServer(60_000);
    const { client, session, requests } = backToBack(definition);
    await client.connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['first']);
    await client.listTools();
    await client.listPrompts();
    await client.listPrompts();
    const firstRead = await client.readResource({ uri: 'memo://a' });
    expect(await client.readResource({ uri: 'memo://a' })).toEqual(firstRead);
    await client.readResource({ uri: 'memo://b' });
    expect([requests('tools/list'), requests('prompts/list'), requests('resources/read')]).toEqual([1, 1, 2]);

    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['memo://a'] });
    const heard = (): Promise<unknown> => subscription[Symbol.asyncIterator]().next();
    definition.addTool({ name: 'second', handler: () => ({ content: [] }) });
    await heard();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['first', 'second']);
    expect(requests('tools/list')).toBe(2);
    definition.notifyResourceUpdated('memo://a');
    await heard();
    await client.readResource({ uri: 'memo://a' });
    await client.readResource({ uri: 'memo://b' });
    // memo://a read again, memo://b still cached; prompts were not touched.
    expect([requests('resources/read'), requests('prompts/list')]).toEqual([3, 1]);
    client.clearCache();
    await client.listPrompts();
    expect(requests('prompts/list')).toBe(2);
    subscription.close();
    client.close();
    session.close();
  });

  test('cache: false, or a server that says ttlMs 0, sends every request', async () => {
    for (const [ttl, cache] of [
      [60_000, false],
      [0, true],
    ] as const) {
      const { client, session, requests } = backToBack(cachedServer(ttl), { cache });
      await client.connect();
      await client.listTools();
      await client.listTools();
      expect(requests('tools/list')).toBe(2);
      client.close();
      session.close();
    }
  });

  test('a 2025 session caches nothing (its results carry no ttlMs)', async () => {
    const { client, session, requests } = backToBack(cachedServer(60_000), { versionNegotiation: 'legacy' });
    await client.connect();
    await client.listTools();
    await client.listTools();
    expect(requests('tools/list')).toBe(2);
    client.close();
    session.close();
  });
});
