import { Node } from '@erlmcp/otp';
import { defineServer } from '../src/server';
import { listenHttp } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// Written is not received: a connection cut after the server wrote an answer (node's buffer,
// the kernel's) loses it, and the client comes back with Last-Event-ID. An ended POST stream's
// events are kept until two more streams of the session have ended (found by the chaos run).

const definition = defineServer({ name: 'resume', version: '1' }).build();

/** The id of the first event (the priming one) of an SSE body. */
function firstEventId(body: string): string {
  const line = body.split('\n').find((l) => l.startsWith('id: '));
  if (line === undefined) throw new Error(`no event id in ${JSON.stringify(body)}`);
  return line.slice(4);
}

describe('resuming a POST stream that has ended', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  test('its answer is replayed after Last-Event-ID; once two more streams end, it is forgotten (400)', async () => {
    const server = await listenHttp(definition);
    try {
      const session = await initialize(server.url);
      const headers = { ...JSON_HEADERS, 'mcp-session-id': session };
      const ping = (id: number): Promise<Awaited<ReturnType<typeof raw>>> =>
        raw(server.url, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
      const first = await ping(1);
      expect(messages(first)).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
      const primed = firstEventId(first.body);
      const resume = (): ReturnType<typeof raw> =>
        raw(server.url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': primed });
      // As if the answer had been lost on the way: it is sent again.
      const again = await resume();
      expect(again.status).toBe(200);
      expect(messages(again)).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
      await ping(2);
      await ping(3);
      const late = await resume();
      expect(late.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
