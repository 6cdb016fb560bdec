import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Node } from '@erlmcp/otp';
import {
  createStreamableHttpHandler,
  defineServer,
  type McpServerDefinition,
  SseStreamOverflowError,
  type SseStreamState,
  type StreamableHttpHandler,
} from '../src/server';
import { SessionHost } from '../src/hosting';
import { eventually } from './helpers/backpressure';
import { initialize, JSON_HEADERS, raw, type RawResponse } from './helpers/http';

const HIGH_WATER = 64 * 1024;
const MAX = 1024 * 1024;
const PAD = 'p'.repeat(16 * 1024);
/** Resource uris of ~16 KiB: a resources/updated notification for one is a large standalone event. */
const BIG_URIS = Array.from({ length: 10 }, (_, i) => `big://${i}/${PAD}`);
/** Events a test emits after the overflow: queued for the client that resumes. */
const AFTER_OVERFLOW = 5;
/** 64 MiB of events: far past the cap and any socket buffer. A server that never holds back stops here, and its test fails. */
const GIVE_UP = 4096;

interface SseEvent {
  id: string | undefined;
  data: unknown;
}

/** An SSE response read as it comes; reading can be paused and resumed. */
interface SseReader {
  status: number;
  events: SseEvent[];
  res: IncomingMessage;
  ended: Promise<'end' | 'error'>;
}

function openSse(url: string, method: string, headers: Record<string, string>, body?: string): Promise<SseReader> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method, headers, agent: false },
      (res) => {
        const events: SseEvent[] = [];
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf('\n\n')) >= 0) {
            const block = pending.slice(0, end);
            pending = pending.slice(end + 2);
            let id: string | undefined;
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data !== '') events.push({ id, data: JSON.parse(data) as unknown });
          }
        });
        const ended = new Promise<'end' | 'error'>((done) => {
          res.on('end', () => done('end'));
          res.on('error', () => done('error'));
          res.on('aborted', () => done('error'));
        });
        resolve({ status: res.statusCode ?? 0, events, res, ended });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const seqOf = (id: string | undefined): number => Number((id as string).slice((id as string).lastIndexOf('.') + 1));

describe('Streamable HTTP: a client that keeps an SSE stream open but stops reading', () => {
  let node: Node;
  let host: SessionHost;
  let server: Server;
  let handler: StreamableHttpHandler;
  let url: string;
  let definition: McpServerDefinition;
  let errors: Error[];
  /** Set when an overflow is reported: the `numbered` tool then sends AFTER_OVERFLOW more and answers. */
  let overflowed: boolean;
  /** Log lines the `paced` tool may still send; it answers once `overflowed` is set. */
  let budget: number;
  /** Each running `gated` call's release: it answers when called. */
  let gates: (() => void)[];

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    errors = [];
    overflowed = false;
    budget = 0;
    gates = [];
    definition = defineServer({ name: 'sse-backpressure', version: '1' })
      .resource({ uri: 'memo://one', name: 'one', read: (uri) => [{ uri, text: 'one' }] })
      .tool<{ text: string }>({
        name: 'echo',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
      })
      .tool({
        name: 'numbered',
        handler: async (_args, ctx) => {
          let i = 0;
          let extra = AFTER_OVERFLOW;
          while (!ctx.signal.aborted && !(overflowed && extra-- === 0) && i < GIVE_UP) {
            ctx.log('info', { i: i++, pad: PAD });
            await new Promise((resolve) => setImmediate(resolve));
          }
          return { content: [{ type: 'text', text: String(i) }] };
        },
      })
      .tool({
        name: 'gated',
        handler: async (_args, ctx) => {
          ctx.log('info', 'waiting');
          await new Promise<void>((resolve) => gates.push(resolve));
          return { content: [{ type: 'text', text: 'opened' }] };
        },
      })
      .tool({
        name: 'paced',
        handler: async (_args, ctx) => {
          let i = 0;
          while (!ctx.signal.aborted && !overflowed) {
            if (budget > 0) {
              budget -= 1;
              ctx.log('info', { i: i++, pad: PAD });
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
          return { content: [{ type: 'text', text: String(i) }] };
        },
      })
      .build();
    host = await new SessionHost(definition).start();
    handler = createStreamableHttpHandler(host, {
      outboundHighWaterBytes: HIGH_WATER,
      maxOutboundBytes: MAX,
      onError: (error) => {
        errors.push(error);
        overflowed = true;
      },
    });
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });

  afterEach(async () => {
    handler.dispose();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await host.stop();
    await node.stop();
  });

  const streamOf = (session: string, streamId: string): SseStreamState | undefined =>
    handler.streams().find((state) => state.sessionId === session && state.streamId === streamId);

  const post = (session: string, body: object): Promise<RawResponse> =>
    raw(url, 'POST', { ...JSON_HEADERS, 'mcp-session-id': session }, JSON.stringify({ jsonrpc: '2.0', ...body }));

  async function subscribeAll(session: string): Promise<void> {
    let id = 100;
    for (const uri of BIG_URIS) await post(session, { id: id++, method: 'resources/subscribe', params: { uri } });
  }

  /** Sends resources/updated for BIG_URIS in turn until an overflow is reported, then AFTER_OVERFLOW more; tracks the largest buffered figure. */
  async function pumpUntilOverflow(session: string): Promise<{ sent: string[]; maxBuffered: number }> {
    const sent: string[] = [];
    let maxBuffered = 0;
    let extra = AFTER_OVERFLOW;
    while (!(overflowed && extra-- === 0) && sent.length < GIVE_UP) {
      const uri = BIG_URIS[sent.length % BIG_URIS.length];
      definition.notifyResourceUpdated(uri);
      sent.push(uri);
      maxBuffered = Math.max(maxBuffered, streamOf(session, 's')?.bufferedBytes ?? 0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { sent, maxBuffered };
  }

  const updatedUri = (event: SseEvent): string => (event.data as { params: { uri: string } }).params.uri;

  it('GET stream: holds events back past the high-water mark, ends the stream past the cap, and a resume gets every event once, in order', async () => {
    const session = await initialize(url);
    await subscribeAll(session);
    const get = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    expect(get.status).toBe(200);
    get.res.pause();

    const { sent, maxBuffered } = await pumpUntilOverflow(session);
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(MAX);
    expect(errors).toHaveLength(1);
    const error = errors[0] as SseStreamOverflowError;
    expect(error).toBeInstanceOf(SseStreamOverflowError);
    expect({
      session: error.sessionId,
      stream: error.streamId,
      resumable: error.resumable,
      limit: error.limit,
    }).toEqual({ session, stream: 's', resumable: true, limit: MAX });
    // The stream is ended; what it did not get waits for the client, within the cap.
    const state = streamOf(session, 's');
    expect(state?.connected).toBe(false);
    expect(state?.queuedBytes).toBeGreaterThan(0);
    expect(state?.bufferedBytes).toBeLessThanOrEqual(MAX);

    // Another session is served meanwhile, and holds nothing.
    const other = await initialize(url);
    const echoed = await post(other, {
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'unaffected' } },
    });
    expect(echoed.body).toContain('unaffected');
    expect(handler.streams().filter((s) => s.sessionId === other && s.bufferedBytes > 0)).toEqual([]);

    // The client reads on: what reached its socket, then the end of the stream.
    get.res.resume();
    expect(await get.ended).toBe('end');
    const lastEventId = get.events[get.events.length - 1].id as string;
    const resumed = await openSse(url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'last-event-id': lastEventId,
    });
    expect(resumed.status).toBe(200);
    await eventually(() => get.events.length + resumed.events.length >= sent.length);
    const all = [...get.events, ...resumed.events];
    expect(all.map(updatedUri)).toEqual(sent);
    const seqs = all.map((event) => seqOf(event.id));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await eventually(() => streamOf(session, 's')?.queuedBytes === 0);
    resumed.res.destroy();
  }, 60_000);

  it("a tool's POST stream: bounded, ended past the cap, and resumed with every log line once, in order, then the answer", async () => {
    const session = await initialize(url);
    const call = await openSse(
      url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'numbered' } }),
    );
    expect(call.status).toBe(200);
    call.res.pause();
    let maxBuffered = 0;
    const answered = call.ended;
    let done = false;
    void answered.then(() => (done = true));
    await eventually(() => {
      maxBuffered = Math.max(
        maxBuffered,
        handler.streams().find((s) => s.sessionId === session && s.streamId !== 's')?.bufferedBytes ?? 0,
      );
      return errors.length > 0 || done;
    });
    expect(maxBuffered).toBeLessThanOrEqual(MAX);
    const error = errors[0] as SseStreamOverflowError;
    expect(error).toBeInstanceOf(SseStreamOverflowError);
    expect(error.resumable).toBe(true);
    expect(error.sessionId).toBe(session);

    const other = await initialize(url);
    expect(
      (await post(other, { id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'fine' } } })).body,
    ).toContain('fine');

    call.res.resume();
    expect(await call.ended).toBe('end');
    const lastEventId = call.events[call.events.length - 1].id as string;
    expect(lastEventId.startsWith(`${error.streamId}.`)).toBe(true);
    const resumed = await openSse(url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'last-event-id': lastEventId,
    });
    expect(resumed.status).toBe(200);
    // The stream's requests are all answered: the resumed stream ends once everything is out.
    expect(await resumed.ended).toBe('end');
    const all = [...call.events, ...resumed.events];
    const answer = all.pop()?.data as { id: number; result: { content: { text: string }[] } };
    expect(answer.id).toBe(7);
    const count = Number(answer.result.content[0].text);
    expect(all.map((event) => (event.data as { params: { data: { i: number } } }).params.data.i)).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
    expect(errors).toHaveLength(1);
    expect(handler.streams().filter((s) => s.sessionId === session && s.streamId !== 's')).toEqual([]);
  }, 60_000);

  it('before 2025-11-25 (no server-ended streams): the stream is cut, onError says so, and the session lives on', async () => {
    const session = await initialize(url, {}, '2025-06-18');
    await subscribeAll(session);
    const get = await openSse(url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    });
    get.res.pause();
    const { maxBuffered } = await pumpUntilOverflow(session);
    expect(maxBuffered).toBeLessThanOrEqual(MAX);
    const error = errors[0] as SseStreamOverflowError;
    expect(error).toBeInstanceOf(SseStreamOverflowError);
    expect(error.resumable).toBe(false);
    expect(error.message).toMatch(/cut/);
    get.res.resume();
    expect(await get.ended).toBe('error');
    const echoed = await raw(
      url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'alive' } },
      }),
    );
    expect(echoed.body).toContain('alive');
    // Its undelivered events are still kept, within the cap, for a client that resumes.
    expect(streamOf(session, 's')?.bufferedBytes).toBeLessThanOrEqual(MAX);
  }, 60_000);

  it('a client that reads slowly but keeps up loses nothing and is never cut', async () => {
    const session = await initialize(url);
    const call = await openSse(
      url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'paced' } }),
    );
    const queued = (): number =>
      handler.streams().find((s) => s.sessionId === session && s.streamId !== 's')?.queuedBytes ?? 0;
    // Stops reading until events are held back (a few at a time, far below the cap), then reads again, a few times over.
    for (let round = 0; round < 3; round++) {
      call.res.pause();
      while (queued() === 0) {
        budget = 8;
        await eventually(() => budget === 0);
      }
      call.res.resume();
      await eventually(() => queued() === 0);
    }
    // Ask the tool to finish.
    overflowed = true;
    expect(await call.ended).toBe('end');
    const all = [...call.events];
    const answer = all.pop()?.data as { result: { content: { text: string }[] } };
    const count = Number(answer.result.content[0].text);
    expect(all.map((event) => (event.data as { params: { data: { i: number } } }).params.data.i)).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
    expect(errors).toEqual([]);
  }, 60_000);

  it('a stream nobody reads keeps at most the cap queued (the oldest go to the replay log), and hands the rest, in order, to the next GET', async () => {
    const session = await initialize(url);
    await subscribeAll(session);
    const get = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    get.res.pause();
    const { sent } = await pumpUntilOverflow(session);
    get.res.destroy();
    let maxBuffered = 0;
    for (let k = 0; k < (2 * MAX) / PAD.length + 10; k++) {
      const uri = BIG_URIS[sent.length % BIG_URIS.length];
      definition.notifyResourceUpdated(uri);
      sent.push(uri);
      maxBuffered = Math.max(maxBuffered, streamOf(session, 's')?.bufferedBytes ?? 0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(maxBuffered).toBeGreaterThan(MAX / 2);
    expect(maxBuffered).toBeLessThanOrEqual(MAX);
    expect(streamOf(session, 's')?.connected).toBe(false);
    const next = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    // What the queue held: the newest events, once each, in order.
    await eventually(
      () => next.events.length > 0 && updatedUri(next.events[next.events.length - 1]) === sent[sent.length - 1],
    );
    expect(next.events.map(updatedUri)).toEqual(sent.slice(-next.events.length));
    const seqs = next.events.map((event) => seqOf(event.id));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(errors).toHaveLength(1);
    next.res.destroy();
  }, 60_000);
  it('GET stream: events held for an absent client are delivered once, whether it comes back with Last-Event-ID or without', async () => {
    const session = await initialize(url);
    await post(session, { id: 100, method: 'resources/subscribe', params: { uri: 'memo://one' } });
    const gone = async (reader: SseReader): Promise<void> => {
      reader.res.destroy();
      await eventually(() => streamOf(session, 's')?.connected === false);
    };
    const first = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    definition.notifyResourceUpdated('memo://one');
    await eventually(() => first.events.length === 1);
    await gone(first);
    // Two events while nobody listens: held for the next GET, and logged for a resume.
    definition.notifyResourceUpdated('memo://one');
    definition.notifyResourceUpdated('memo://one');
    const resumed = await openSse(url, 'GET', {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'last-event-id': first.events[0].id as string,
    });
    await eventually(() => resumed.events.length === 2);
    await gone(resumed);
    // A fresh GET: the client has had both already, so only what comes now is sent.
    const fresh = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    definition.notifyResourceUpdated('memo://one');
    await eventually(
      () => fresh.events.length > 0 && seqOf(fresh.events[fresh.events.length - 1].id) > seqOf(resumed.events[1].id),
    );
    const ids = [...first.events, ...resumed.events, ...fresh.events].map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(fresh.events).toHaveLength(1);
    fresh.res.destroy();
  }, 60_000);
  /** A second front door on the same host, keeping only `replayEvents` events per session for resumption. */
  async function withReplayEvents(
    replayEvents: number,
    body: (small: StreamableHttpHandler, smallUrl: string) => Promise<void>,
  ): Promise<void> {
    const small = createStreamableHttpHandler(host, { replayEvents });
    const smallServer = createServer((req, res) => {
      if (!small(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => smallServer.listen(0, '127.0.0.1', resolve));
    try {
      await body(small, `http://127.0.0.1:${(smallServer.address() as AddressInfo).port}/mcp`);
    } finally {
      small.dispose();
      smallServer.closeAllConnections();
      await new Promise<void>((resolve) => smallServer.close(() => resolve()));
    }
  }

  /** Starts a `gated` call, reads its first event, and goes away; resolves to that event's id. */
  async function abandonGatedCall(
    smallUrl: string,
    session: string,
    id: number,
    streams: () => SseStreamState[],
  ): Promise<string> {
    const call = await openSse(
      smallUrl,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'gated' } }),
    );
    await eventually(() => call.events.length === 1);
    const eventId = call.events[0].id as string;
    const streamId = eventId.slice(0, eventId.lastIndexOf('.'));
    call.res.destroy();
    await eventually(
      () => streams().find((s) => s.sessionId === session && s.streamId === streamId)?.connected === false,
    );
    return eventId;
  }

  it('answers held for clients that went away are bounded in number: past replayEvents streams, the oldest go to the replay log', async () => {
    await withReplayEvents(2, async (small, smallUrl) => {
      const session = await initialize(smallUrl);
      const held = (): SseStreamState[] => small.streams().filter((s) => s.sessionId === session && s.streamId !== 's');
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await abandonGatedCall(smallUrl, session, 20 + i, () => small.streams()));
      gates.forEach((open) => open());
      // Every call answered: no stream waits for a request any more, only for its client.
      await eventually(() => held().every((s) => s.queuedBytes > 0));
      expect(held().length).toBeLessThanOrEqual(2);
      // The newest are still delivered, once.
      const resumed = await openSse(smallUrl, 'GET', {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'last-event-id': ids[5],
      });
      expect(await resumed.ended).toBe('end');
      expect(resumed.events.map((event) => (event.data as { id?: number }).id)).toEqual([25]);
    });
  }, 60_000);

  it("a POST stream's answer, sent while its client is away, waits for it: other streams' events do not push it out of the replay log", async () => {
    await withReplayEvents(4, async (small, smallUrl) => {
      const session = await initialize(smallUrl);
      await raw(
        smallUrl,
        'POST',
        { ...JSON_HEADERS, 'mcp-session-id': session },
        JSON.stringify({ jsonrpc: '2.0', id: 100, method: 'resources/subscribe', params: { uri: 'memo://one' } }),
      );
      const lastEventId = await abandonGatedCall(smallUrl, session, 9, () => small.streams());
      const streamId = lastEventId.slice(0, lastEventId.lastIndexOf('.'));
      const state = (): SseStreamState | undefined =>
        small.streams().find((s) => s.sessionId === session && s.streamId === streamId);
      gates.forEach((open) => open());
      // Answered (the stream no longer waits for a request, or holds the answer for its client).
      await eventually(() => state() === undefined || state()!.queuedBytes > 0);
      // More events on the GET stream than the replay log keeps.
      for (let i = 0; i < 8; i++) definition.notifyResourceUpdated('memo://one');
      const resumed = await openSse(smallUrl, 'GET', {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'last-event-id': lastEventId,
      });
      expect(resumed.status).toBe(200);
      expect(await resumed.ended).toBe('end');
      expect(resumed.events.map((event) => (event.data as { id?: number }).id)).toEqual([9]);
      expect(state()).toBeUndefined();
    });
  }, 60_000);
  it('GET stream events sent before any GET: held within the cap, reported by streams(), and handed in order to the first GET', async () => {
    const session = await initialize(url);
    await subscribeAll(session);
    const sent: string[] = [];
    for (let k = 0; k < (2 * MAX) / PAD.length; k++) {
      const uri = BIG_URIS[k % BIG_URIS.length];
      definition.notifyResourceUpdated(uri);
      sent.push(uri);
    }
    const state = streamOf(session, 's');
    expect(state?.connected).toBe(false);
    expect(state?.queuedBytes).toBeGreaterThan(MAX / 2);
    expect(state?.queuedBytes).toBeLessThanOrEqual(MAX);
    expect(state?.bufferedBytes).toBe(state?.queuedBytes);
    const get = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
    await eventually(() => get.events.length > 0 && streamOf(session, 's')?.queuedBytes === 0);
    await eventually(() => updatedUri(get.events[get.events.length - 1]) === sent[sent.length - 1]);
    expect(get.events.map(updatedUri)).toEqual(sent.slice(-get.events.length));
    const seqs = get.events.map((event) => seqOf(event.id));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    get.res.destroy();
  }, 60_000);
  it('a GET whose client is gone before its session takes it leaves the GET stream free and the session idle-able', async () => {
    const session = await initialize(url);
    // A front door that hands the request on only once its connection has closed.
    let handed = false;
    const late = createServer((req, res) => {
      res.once('close', () => {
        handler(req, res);
        handed = true;
      });
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve));
    try {
      const lateUrl = `http://127.0.0.1:${(late.address() as AddressInfo).port}/mcp`;
      await openSse(lateUrl, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session }).catch(() => undefined);
      await eventually(() => handed);
      // The session has handled it once a later request of the same session is answered.
      expect((await post(session, { id: 1, method: 'ping' })).status).toBe(200);
      expect(streamOf(session, 's')?.connected ?? false).toBe(false);
      const get = await openSse(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': session });
      expect(get.status).toBe(200);
      get.res.destroy();
    } finally {
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  }, 60_000);
});
