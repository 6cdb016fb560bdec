import fc from 'fast-check';
import { ownedBy, ownerNodeOf } from '@erlmcp/distribution/mcp';

// What names the node that owns a session, a task or a handle, read from headers only.

test('an id minted with a node number names that node; anything else names none', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 2 }), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/), (node, random) => {
      expect(ownerNodeOf(`${node.toString(36)}.${random}`)).toBe(node);
      expect(ownerNodeOf(random)).toBeUndefined();
    }),
  );
  for (const id of ['', '.abc', '0.abc', 'zzzz-zz.forged', 'ABC.def', 'zzzzzzzz.toolong', 'not-a-cluster-id'])
    expect(ownerNodeOf(id)).toBeUndefined();
});

test('the owned id of a request: its session, a tasks/* Mcp-Name, or a handle in an Mcp-Param header', () => {
  expect(ownedBy({ 'mcp-session-id': '1a.s', 'mcp-method': 'tasks/get', 'mcp-name': '2b.t' })).toEqual({
    kind: 'session',
    id: '1a.s',
  });
  expect(ownedBy({ 'mcp-method': 'tasks/cancel', 'mcp-name': '2b.t' })).toEqual({ kind: 'task', id: '2b.t' });
  expect(ownedBy({ 'mcp-method': 'tools/call', 'mcp-name': 'cart', 'mcp-param-cart': 'mcph_3c.h' })).toEqual({
    kind: 'handle',
    id: '3c.h',
  });
  // A client may send a header value in the Base64 sentinel.
  const encoded = `=?base64?${Buffer.from('mcph_3c.h').toString('base64')}?=`;
  expect(ownedBy({ 'mcp-method': 'tools/call', 'mcp-param-cart': encoded })).toEqual({ kind: 'handle', id: '3c.h' });
  // Nothing routable: a call without a handle, other methods, no method at all.
  expect(ownedBy({ 'mcp-method': 'tools/call', 'mcp-name': 'echo', 'mcp-param-x': 'plain' })).toBeUndefined();
  expect(ownedBy({ 'mcp-method': 'resources/read', 'mcp-name': '2b.t' })).toBeUndefined();
  expect(ownedBy({})).toBeUndefined();
});
