import { request } from 'node:http';
import { Node } from '@erlmcp/otp';
import { defineServer } from '../src/server';
import { listenHttp } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

// Written is not received: a connection cut after the server wrote an answer (node's buffer,
// the kernel's) loses it, and the client comes back with Last-Event-ID. An ended POST stream's
// events are kept until two more streams of the session have ended (found by the chaos run).

let release: () => void = () => undefined;
const definition = defineServer({ name: 'resume', version: '1' })
  .tool({
    name: 'held',
    handler: async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { content: [{ type: 'text', text: 'released' }] };
    },
  })
  .build();

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

  test('a resume of a stream the server still holds open takes it over: the answer comes on the new connection', async () => {
    const server = await listenHttp(definition);
    try {
      const session = await initialize(server.url);
      const target = new URL(server.url);
      // The POST's connection stays open (as a half-dead one would): its priming event read, nothing else.
      const primed = await new Promise<{ id: string; closed: Promise<void> }>((resolve, reject) => {
        const req = request(
          {
            hostname: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { ...JSON_HEADERS, 'mcp-session-id': session },
            agent: false,
          },
          (res) => {
            const closed = new Promise<void>((done) => res.once('close', () => done()));
            res.setEncoding('utf8');
            res.once('data', (chunk: string) => resolve({ id: firstEventId(chunk), closed }));
            res.on('error', () => undefined);
          },
        );
        req.on('error', reject);
        req.end(
          JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'held', arguments: {} } }),
        );
      });
      const resumed = raw(server.url, 'GET', {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'last-event-id': primed.id,
      });
      // The old connection is ended by the server when the new one takes over.
      await primed.closed;
      release();
      const res = await resumed;
      expect(res.status).toBe(200);
      expect(messages(res)).toEqual([
        { jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'released' }] } },
      ]);
    } finally {
      await server.close();
    }
  });
});
