import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer } from '../src/server';
import { HandleStore, principalOf } from '../src/server/handles';
import { JSON_HEADERS, messages, raw } from './helpers/http';
import { modernMeta, modernWire } from './helpers/modern-wire';

// Server-minted handles (2026-07-28, SEP-2567): state across calls, referenced by a handle the
// client passes back; unguessable, bound to the principal that minted it, expiring.

/** The example server's cart tool, in small. */
function cartServer() {
  return defineServer({ name: 'carts', version: '1.0.0' }, { handles: { ttlMs: 60_000, maxPerClient: 3 } })
    .tool<{ cart?: string; add?: string }>({
      name: 'cart',
      inputSchema: { type: 'object', properties: { cart: { type: 'string' }, add: { type: 'string' } } },
      handler: ({ cart, add }, ctx) => {
        const handle = cart ?? ctx.handles.create([]);
        const items = ctx.handles.get<string[]>(handle);
        if (add !== undefined) ctx.handles.set(handle, [...items, add]);
        return { structuredContent: { cart: handle, items: ctx.handles.get<string[]>(handle) } };
      },
    })
    .build();
}

describe('HandleStore', () => {
  it('mints 128-bit handles, distinct, that only their principal resolves', () => {
    const store = new HandleStore();
    const alice = store.scope('alice');
    const bob = store.scope('bob');
    const handles = new Set(Array.from({ length: 500 }, (_, i) => alice.create(i)));
    expect(handles.size).toBe(500);
    for (const handle of handles) {
      expect(handle).toMatch(/^mcph_[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(handle.slice(5), 'base64url')).toHaveLength(16);
    }
    const one = [...handles][7]!;
    expect(alice.get(one)).toBe(7);
    expect(() => bob.get(one)).toThrow(expect.objectContaining({ code: -32602, message: 'Unknown or expired handle' }));
    expect(bob.delete(one)).toBe(false);
    expect(() => bob.set(one, 'stolen')).toThrow('Unknown or expired handle');
    expect(alice.get(one)).toBe(7);
  });

  it('any alteration of a handle, or any other string, resolves to the same -32602 (property)', () => {
    const store = new HandleStore();
    const scope = store.scope('p');
    const handle = scope.create('secret');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc
            .tuple(fc.nat({ max: handle.length - 1 }), fc.constantFrom(...'AZaz09-_x'.split('')))
            .map(([at, c]) => handle.slice(0, at) + c + handle.slice(at + 1))
            .filter((altered) => altered !== handle),
          fc.jsonValue(),
        ),
        (candidate) => {
          expect(() => scope.get(candidate as string)).toThrow(expect.objectContaining({ code: -32602 }));
        },
      ),
      { numRuns: 500 },
    );
    expect(scope.get(handle)).toBe('secret');
  });

  it('expires handles after their ttl and bounds each principal, dropping its oldest', () => {
    const store = new HandleStore({ maxPerClient: 2, ttlMs: 1000 });
    const old = store.mint('p', 'old', 1000, Date.now() - 2000);
    expect(() => store.scope('p').get(old)).toThrow('Unknown or expired handle');
    const a = store.mint('p', 'a');
    const b = store.mint('p', 'b');
    const c = store.mint('p', 'c');
    const other = store.mint('q', 'q');
    expect(() => store.scope('p').get(a)).toThrow('Unknown or expired handle');
    expect([store.scope('p').get(b), store.scope('p').get(c), store.scope('q').get(other)]).toEqual(['b', 'c', 'q']);
    expect(store.size).toBe(3);
    expect(() => new HandleStore({ ttlMs: 0 })).toThrow('handles.ttlMs');
    expect(() => store.scope('p').create(1, { ttlMs: -5 })).toThrow(RangeError);
  });

  it('bounds all principals together (maxHandles, oldest dropped) and forgets a principal whole', () => {
    const store = new HandleStore({ maxHandles: 3 });
    const handles = ['a', 'b', 'c', 'd'].map((who) => store.mint(who, who));
    expect(store.size).toBe(3);
    expect(() => store.scope('a').get(handles[0]!)).toThrow('Unknown or expired handle');
    expect(store.scope('d').get(handles[3]!)).toBe('d');
    store.mint('d', 'd2');
    store.forget('d');
    expect(() => store.scope('d').get(handles[3]!)).toThrow('Unknown or expired handle');
    expect(store.size).toBe(1);
    expect(() => new HandleStore({ maxHandles: 0 })).toThrow('handles.maxHandles');
    // A share of one: each mint replaces the last, and the count stays right.
    const single = new HandleStore({ maxPerClient: 1 });
    const minted = [1, 2, 3].map((n) => single.mint('p', n));
    expect(single.size).toBe(1);
    expect(single.scope('p').get(minted[2]!)).toBe(3);
  });

  it("a session's own handles go when it closes", async () => {
    const definition = cartServer();
    const wire = modernWire(definition);
    await wire.call('tools/call', { name: 'cart', arguments: { add: 'x' }, _meta: modernMeta() });
    expect(definition.handles.size).toBe(1);
    wire.session.close();
    expect(definition.handles.size).toBe(0);
  });

  it('principalOf hashes a credential: equal credentials give equal principals, and the credential is not in it', () => {
    expect(principalOf('Bearer a')).toBe(principalOf('Bearer a'));
    expect(principalOf('Bearer a')).not.toBe(principalOf('Bearer b'));
    expect(principalOf('Bearer secret-token')).not.toContain('secret');
  });
});

describe('handles on a session', () => {
  it('a connection keeps its handles; another connection presenting one gets -32602 and the state stays intact', async () => {
    const definition = cartServer();
    const first = modernWire(definition);
    const second = modernWire(definition);
    const made = await first.call('tools/call', { name: 'cart', arguments: { add: 'tea' }, _meta: modernMeta() });
    const cart = made.result!.structuredContent.cart as string;
    const stolen = await second.call('tools/call', {
      name: 'cart',
      arguments: { cart, add: 'x' },
      _meta: modernMeta(),
    });
    expect(stolen.error).toMatchObject({ code: -32602, message: 'Unknown or expired handle' });
    const again = await first.call('tools/call', {
      name: 'cart',
      arguments: { cart, add: 'milk' },
      _meta: modernMeta(),
    });
    expect(again.result!.structuredContent).toEqual({ cart, items: ['tea', 'milk'] });
  });
});

describe('handles over Streamable HTTP, bound to the Authorization header', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(cartServer(), { bearerTokens: ['token-a', 'token-b'] });
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const cartCall = async (token: string, args: Record<string, unknown>) => {
    const res = await raw(
      server.url,
      'POST',
      {
        ...JSON_HEADERS,
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'cart',
      },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'cart', arguments: args, _meta: modernMeta() },
      }),
    );
    return messages(res)[0] as {
      result?: { structuredContent: { cart: string; items: string[] } };
      error?: { code: number };
    };
  };

  it('each stateless request with the same token reaches the cart; another token gets -32602', async () => {
    const made = await cartCall('token-a', { add: 'bread' });
    const cart = made.result!.structuredContent.cart;
    expect((await cartCall('token-a', { cart, add: 'jam' })).result!.structuredContent.items).toEqual(['bread', 'jam']);
    expect((await cartCall('token-b', { cart, add: 'x' })).error?.code).toBe(-32602);
    expect((await cartCall('token-b', { cart: cart.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).error?.code).toBe(
      -32602,
    );
    expect((await cartCall('token-a', { cart })).result!.structuredContent.items).toEqual(['bread', 'jam']);
  });
});
