import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { Node } from '@erlmcp/otp';
import { type CallToolResult, ConnectionClosedError } from '@erlmcp/mcp';
import { type ClientSession, connectHttp } from '../src/client';
import { defineServer } from '../src/server';
import { listenHttp } from '../src/hosting';
import * as clientStream from '../src/transport/http/client-stream';
import { reconnectDelay, reconnectPolicy } from '../src/transport/http/reconnect';
import { deferred } from './helpers/fixture';
import { event, logMessage, scriptedServer, SSE_HEAD, textResult } from './helpers/scripted-sse-server';
import { sdkHttpServer } from './helpers/sdk-http-server';

const clientInfo = { name: 'resuming', version: '1' };
const done: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

/**
 * Watches every response a server writes: `find(marker)` is the response whose body had
 * `marker` in it (to cut its socket); `onResume` runs once a GET with Last-Event-ID has been
 * answered with 200 (its stream is then attached on the server), `getStream` resolves once a
 * plain GET has.
 */
function watchResponses(
  server: Server,
  onResume: () => void,
): { find(marker: string): ServerResponse | undefined; getStream: Promise<void> } {
  const written: { res: ServerResponse; text: string }[] = [];
  const getStream = deferred();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const entry = { res, text: '' };
    written.push(entry);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      entry.text += String(chunk);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    if (req.method !== 'GET') return;
    const resuming = req.headers['last-event-id'] !== undefined;
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      const out = writeHead(...args);
      if (args[0] === 200) setImmediate(resuming ? onResume : getStream.resolve);
      return out;
    }) as ServerResponse['writeHead'];
  });
  return { find: (marker) => written.find((entry) => entry.text.includes(marker))?.res, getStream: getStream.promise };
}

/** The log messages the client gets; once it has 'one', the server's socket of that stream is cut (then `onCut`). */
function logsCutAfterOne(
  client: ClientSession,
  responses: { find(marker: string): ServerResponse | undefined },
  onCut?: () => void,
): unknown[] {
  const logs: unknown[] = [];
  client.on('notifications/message', (message) => {
    logs.push(message.data);
    if (message.data !== 'one') return;
    // The client has the event: now the connection breaks, mid-stream.
    responses.find('"data":"one"')?.socket?.destroy();
    onCut?.();
  });
  return logs;
}

/** The first stream the client follows (its followStream's promise), once it starts following it. */
function followedStream(): { started: Promise<{ ended: Promise<void> }>; restore(): void } {
  const original = clientStream.followStream;
  // Wrapped: a promise resolved with a promise would wait for it.
  const started = deferred<{ ended: Promise<void> }>();
  const spy = jest.spyOn(clientStream, 'followStream').mockImplementation((...args) => {
    const ended = original(...args);
    started.resolve({ ended });
    return ended;
  });
  return { started: started.promise, restore: () => spy.mockRestore() };
}

describe('connectHttp resumes broken SSE streams (MCP 2025-11-25, Resumability and Redelivery)', () => {
  describe('against our own server', () => {
    let node: Node;

    beforeEach(() => {
      node = Node.start({ schedulers: 1, logLevel: 'silent' });
    });

    afterEach(async () => {
      await node.stop();
    });

    it("resumes a tool call's stream cut after its first message: the call completes, no message comes twice", async () => {
      const resumed = deferred();
      const definition = defineServer({ name: 'cut', version: '1' })
        .tool({
          name: 'slow',
          handler: async (_args, ctx) => {
            ctx.log('info', 'one');
            await resumed.promise;
            ctx.log('info', 'two');
            return done;
          },
        })
        .build();
      const server = await listenHttp(definition, { retryMs: 1 });
      const responses = watchResponses(server.server, () => resumed.resolve());
      const { client, close } = await connectHttp({ url: server.url, clientInfo, openGetStream: false });
      try {
        const logs = logsCutAfterOne(client, responses);
        expect(await client.callTool({ name: 'slow' })).toEqual(done);
        expect(logs).toEqual(['one', 'two']);
      } finally {
        await close();
        await server.close();
      }
    });

    it("resumes a tool call's stream whose last event the server's log has dropped since: the events still kept, then the answer", async () => {
      const cut = deferred();
      const loggedMore = deferred();
      const resumed = deferred();
      const definition = defineServer({ name: 'cut', version: '1' })
        .tool({
          name: 'chatty',
          handler: async (_args, ctx) => {
            ctx.log('info', 'one');
            await cut.promise;
            // While the client is away: enough to push 'one' out of a log of four events.
            for (let i = 0; i < 6; i++) ctx.log('info', `later ${i}`);
            loggedMore.resolve();
            await resumed.promise;
            ctx.log('info', 'last');
            return done;
          },
        })
        .build();
      const server = await listenHttp(definition, { retryMs: 1, replayEvents: 4 });
      // The client's reconnection is answered only once the log has moved on.
      const [serve] = server.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
      server.server.removeListener('request', serve!);
      server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (req.method === 'GET' && req.headers['last-event-id'] !== undefined)
          void loggedMore.promise.then(() => serve!(req, res));
        else serve!(req, res);
      });
      const responses = watchResponses(server.server, () => resumed.resolve());
      const { client, close } = await connectHttp({ url: server.url, clientInfo, openGetStream: false });
      try {
        const logs = logsCutAfterOne(client, responses, cut.resolve);
        expect(await client.callTool({ name: 'chatty' })).toEqual(done);
        expect(logs).toEqual(['one', 'later 2', 'later 3', 'later 4', 'later 5', 'last']);
      } finally {
        await close();
        await server.close();
      }
    });

    it('resumes the GET stream with Last-Event-ID: what was sent while it was down arrives once', async () => {
      const definition = defineServer({ name: 'notes', version: '1' })
        .resourceTemplate({ uriTemplate: 'note://{name}', name: 'note', read: (uri) => [{ uri, text: uri }] })
        .build();
      const server = await listenHttp(definition, { retryMs: 1 });
      const responses = watchResponses(server.server, () => definition.notifyResourceUpdated('note://c'));
      const { client, close } = await connectHttp({ url: server.url, clientInfo });
      try {
        const updates: string[] = [];
        const third = deferred();
        client.on('notifications/resources/updated', ({ uri }) => {
          updates.push(uri);
          if (uri === 'note://a') {
            responses.find('note://a')?.socket?.destroy();
            // Sent while the client is away (or into the dead socket): it must come by replay.
            definition.notifyResourceUpdated('note://b');
          }
          if (uri === 'note://c') third.resolve();
        });
        for (const name of ['a', 'b', 'c']) await client.subscribeResource(`note://${name}`);
        await responses.getStream;
        definition.notifyResourceUpdated('note://a');
        await third.promise;
        expect(updates).toEqual(['note://a', 'note://b', 'note://c']);
      } finally {
        await close();
        await server.close();
      }
    });
  });

  it('against the SDK server with an event store: a stream the server closes (SEP-1699) is resumed', async () => {
    const resumed = deferred();
    const sdk = await sdkHttpServer({
      serverOptions: { capabilities: { logging: {} } },
      transport: { eventStore: new InMemoryEventStore(), retryInterval: 1 },
      setup: (mcp) =>
        mcp.registerTool('poll', {}, async (extra) => {
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'one' } });
          extra.closeSSEStream?.();
          await resumed.promise;
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'two' } });
          return { content: [{ type: 'text', text: 'done' }] };
        }),
    });
    watchResponses(sdk.server, () => resumed.resolve());
    const { client, close } = await connectHttp({ url: sdk.url, clientInfo, openGetStream: false });
    try {
      const logs: unknown[] = [];
      client.on('notifications/message', (message) => void logs.push(message.data));
      expect(await client.callTool({ name: 'poll' })).toEqual(done);
      expect(logs).toEqual(['one', 'two']);
    } finally {
      await close();
      await sdk.close();
    }
  });

  describe('against a scripted server', () => {
    it('drops the events a replay repeats, and honours retry: 0 over its own hour-long backoff', async () => {
      const cut = deferred<ServerResponse>();
      let callId: number | string = 0;
      const server = await scriptedServer((request) => {
        const { res } = request;
        res.writeHead(200, SSE_HEAD);
        if (request.kind === 'call') {
          callId = request.id;
          res.write(event('e1', '', 0) + event('e2', logMessage('one')));
          cut.resolve(res);
          return;
        }
        // A careless replay: from the start, not after the Last-Event-ID.
        res.end(
          event('e1', '', 0) +
            event('e2', logMessage('one')) +
            event('e3', logMessage('two')) +
            event('e4', textResult(callId, 'done')),
        );
      });
      const { client, close } = await connectHttp({
        url: server.url,
        clientInfo,
        reconnect: { initialDelayMs: 3_600_000 },
      });
      try {
        const logs: unknown[] = [];
        client.on('notifications/message', (message) => {
          logs.push(message.data);
          if (message.data === 'one') void cut.promise.then((res) => res.socket?.destroy());
        });
        expect(await client.callTool({ name: 'any' })).toEqual(done);
        expect(logs).toEqual(['one', 'two']);
        expect(server.gets).toEqual(['e2']);
      } finally {
        await close();
        await server.close();
      }
    });

    it('gives up after maxRetries refused reconnections and fails the call', async () => {
      const server = await scriptedServer((request) => {
        const { res } = request;
        if (request.kind === 'get')
          return void res
            .writeHead(503, { 'content-type': 'application/json' })
            .end('{"jsonrpc":"2.0","error":{"code":-32000,"message":"busy"}}');
        res.writeHead(200, SSE_HEAD);
        res.end(event('e1', ''));
      });
      const { client, close } = await connectHttp({
        url: server.url,
        clientInfo,
        reconnect: { maxRetries: 3, initialDelayMs: 1 },
      });
      try {
        await expect(client.callTool({ name: 'any' })).rejects.toThrow('3 reconnection attempts failed');
        expect(server.gets).toEqual(['e1', 'e1', 'e1']);
      } finally {
        await close();
        await server.close();
      }
    });

    it('fails the call at once when the stream ends with no event id to resume from', async () => {
      const server = await scriptedServer((request) => {
        request.res.writeHead(200, SSE_HEAD);
        request.res.end(event(undefined, logMessage('one')));
      });
      const { client, close } = await connectHttp({ url: server.url, clientInfo });
      try {
        await expect(client.callTool({ name: 'any' })).rejects.toThrow('no event id to resume from');
        expect(server.gets).toEqual([]);
      } finally {
        await close();
        await server.close();
      }
    });

    it('fails the call with the server error when the session is gone (404)', async () => {
      const server = await scriptedServer((request) => {
        const { res } = request;
        if (request.kind === 'get')
          return void res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"}}');
        res.writeHead(200, SSE_HEAD);
        res.end(event('e1', '', 0));
      });
      const { client, close } = await connectHttp({ url: server.url, clientInfo });
      try {
        await expect(client.callTool({ name: 'any' })).rejects.toThrow('Session not found');
        expect(server.gets).toEqual(['e1']);
      } finally {
        await close();
        await server.close();
      }
    });

    it('stops following the stream of a call it cancelled: an answer that will not come is not resumed', async () => {
      const streams: ServerResponse[] = [];
      const server = await scriptedServer((request) => {
        const { res } = request;
        if (request.kind === 'get')
          return void res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"}}');
        res.writeHead(200, SSE_HEAD);
        // A resumable stream (it has an event id), which the server ends once told of the cancellation.
        res.write(event('e1', '', 0));
        streams.push(res);
      });
      const follow = followedStream();
      const { client, close } = await connectHttp({ url: server.url, clientInfo, openGetStream: false });
      try {
        const controller = new AbortController();
        const call = client.callTool({ name: 'any' }, { signal: controller.signal });
        const { ended } = await follow.started;
        controller.abort();
        await expect(call).rejects.toThrow('cancelled');
        streams[0]!.end();
        await ended;
        expect(server.gets).toEqual([]);
      } finally {
        follow.restore();
        await close();
        await server.close();
      }
    });

    it.each(['close()', 'its AbortSignal'])('stops waiting to reconnect when aborted through %s', async (how) => {
      const server = await scriptedServer((request) => {
        request.res.writeHead(200, SSE_HEAD);
        request.res.end(event('e1', ''));
      });
      const controller = new AbortController();
      const { client, close } = await connectHttp({
        url: server.url,
        clientInfo,
        signal: controller.signal,
        reconnect: { initialDelayMs: 3_600_000 },
      });
      try {
        const call = client.callTool({ name: 'any' });
        // The stream has ended and the client waits an hour to reconnect; abort it meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        const outcome = expect(call).rejects.toBeInstanceOf(ConnectionClosedError);
        if (how === 'close()') await close();
        else controller.abort();
        await outcome;
        expect(server.gets).toEqual([]);
      } finally {
        await close();
        await server.close();
      }
    });
  });

  it('waits the server retry at least, backs off from it, and caps the backoff', () => {
    const policy = reconnectPolicy({ initialDelayMs: 100, growFactor: 2, maxDelayMs: 1000 });
    expect([0, 1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, undefined, policy))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect([0, 1, 2].map((attempt) => reconnectDelay(attempt, 300, policy))).toEqual([300, 600, 1000]);
    // A server that asks for more than the cap is obeyed.
    expect(reconnectDelay(0, 5000, policy)).toBe(5000);
  });
});
