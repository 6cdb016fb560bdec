import { Node } from '@erlmcp/otp';
import { defineServer } from '../src/server';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { initialize, JSON_HEADERS, messages, raw } from './helpers/http';

describe('Streamable HTTP resumability (SSE event ids and Last-Event-ID)', () => {
  let node: Node;
  let server: McpHttpServer;
  let release: () => void;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const released = new Promise<void>((resolve) => (release = resolve));
    const definition = defineServer({ name: 'resume', version: '1.0.0' })
      .tool({
        name: 'slow',
        handler: async (_args, ctx) => {
          ctx.log('info', 'before the break');
          ctx.closeSseStream();
          ctx.log('info', 'after the break');
          await released;
          return { content: [{ type: 'text', text: 'finally' }] };
        },
      })
      .build();
    server = await listenHttp(definition);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  it('replays what the client missed after a stream broke, then finishes the answer on the resumed stream', async () => {
    const session = await initialize(server.url);
    const headers = { ...JSON_HEADERS, 'mcp-session-id': session };
    await raw(
      server.url,
      'POST',
      headers,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'info' } }),
    );
    // The tool ends the POST stream after its first log line.
    const first = await raw(
      server.url,
      'POST',
      headers,
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow' } }),
    );
    expect(messages(first)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'before the break' } },
    ]);
    const lastEventId = [...first.body.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]).pop() as string;

    const resumed = raw(server.url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'last-event-id': lastEventId,
    });
    // The resumed stream stays open until the answer is there.
    setTimeout(() => release(), 20);
    const res = await resumed;
    expect(res.status).toBe(200);
    expect(messages(res)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after the break' } },
      { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'finally' }] } },
    ]);
  });
  it('refuses (400) to resume a stream that has ended and of which nothing after Last-Event-ID is kept, rather than serve an empty or unrelated stream', async () => {
    const session = await initialize(server.url);
    const headers = { ...JSON_HEADERS, 'mcp-session-id': session };
    const first = await raw(
      server.url,
      'POST',
      headers,
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow' } }),
    );
    const lastEventId = [...first.body.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]).pop() as string;
    release();
    const resume = { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': lastEventId };
    const answer = { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'finally' }] } };
    // The first resumption gets the rest; its stream is then delivered.
    expect(messages(await raw(server.url, 'GET', resume))).toContainEqual(answer);
    // A client whose resumed connection broke before it read that asks again, and gets it
    // again: an ended stream is kept until two more of the session's streams have ended.
    expect(messages(await raw(server.url, 'GET', resume))).toContainEqual(answer);
    for (const id of [3, 4])
      await raw(server.url, 'POST', headers, JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
    // Then it is forgotten: there is nothing left to send.
    const abort = new AbortController();
    const again = await fetch(server.url, { headers: resume, signal: abort.signal });
    const seen = { status: again.status, type: again.headers.get('content-type') };
    abort.abort();
    expect(seen).toEqual({ status: 400, type: 'application/json' });
  });
});
