import { Node } from '@erlmcp/otp';
import { listenHttp, type McpHttpServer } from '../../src/hosting';
import { fixtureDefinition } from './fixture';

/**
 * For the interop suites: a one-scheduler node and the fixture server on
 * Streamable HTTP, started before each test and stopped after it. Returns
 * the server of the running test.
 */
export function useFixtureHttpServer(): () => McpHttpServer {
  let node: Node | undefined;
  let server: McpHttpServer | undefined;
  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition());
  });
  afterEach(async () => {
    await server?.close();
    await node?.stop();
    server = node = undefined;
  });
  return () => {
    if (server === undefined) throw new Error('the fixture server runs only inside a test');
    return server;
  };
}
