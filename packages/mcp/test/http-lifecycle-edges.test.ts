import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '@erlmcp/mcp';
import { fixtureDefinition, fixtureHooks, type FixtureHooks } from './helpers/fixture';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

const ping = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const callWait = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'wait', arguments: {} } });
const cancel = (requestId: number): string => JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'no longer needed' } });

describe('Streamable HTTP in JSON response mode: cancellation', () => {
  let node: Node;
  let server: McpHttpServer;
  let hooks: FixtureHooks;
  let session: string;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    hooks = fixtureHooks();
    server = await listenHttp(fixtureDefinition(hooks), { responseMode: 'json' });
    session = await initialize(server.url);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  it('a cancelled request ends its POST with no answer, and the session keeps serving', async () => {
    const headers = { ...JSON_HEADERS, 'mcp-session-id': session };
    const call = raw(server.url, 'POST', headers, callWait(1));
    await hooks.started.promise;
    expect((await raw(server.url, 'POST', headers, cancel(1))).status).toBe(202);
    expect(await hooks.aborted.promise).toBe('no longer needed');
    // The cancelled request is never answered, but its HTTP request must still end.
    const res = await call;
    expect(res.status).toBe(202);
    expect(res.body).toBe('');
    expect(server.host.lookup(session)).toBeDefined();
    expect(messages(await raw(server.url, 'POST', headers, ping(2)))).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
  });
});
