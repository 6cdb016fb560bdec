import { PassThrough } from 'node:stream';
import { Node } from '@erlmcp/otp';
import type { JsonRpcPayload } from '@erlmcp/mcp';
import { ClientSession, connectHttp, type Subscription, type SubscriptionNotification } from '../src/client';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { serveStdio } from '../src/server';
import { NdjsonTransport } from '../src/transport/ndjson';
import { fixtureDefinition } from './helpers/fixture';

// The client side of subscriptions/listen (2026-07-28): opt-in filters, notifications routed
// by subscription id, closing by the client (the HTTP stream closed, notifications/cancelled
// on stdio) and by the server, over Streamable HTTP, over stdio, and against a scripted peer.

const INFO = { name: 'listen-client', version: '1.0.0' };
const SUB = 'io.modelcontextprotocol/subscriptionId';

/** The next notification of a subscription, through its async iterator. */
async function next(subscription: Subscription): Promise<SubscriptionNotification | undefined> {
  const step = await subscription[Symbol.asyncIterator]().next();
  return step.done ? undefined : step.value;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('ClientSession.listen over Streamable HTTP (our server)', () => {
  let node: Node;
  let server: McpHttpServer;
  const openSessions = (): number => (server.host.definition as unknown as { sessions: Set<unknown> }).sessions.size;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(fixtureDefinition());
  });
  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  test('acknowledged with what the server honours; only opted-in changes arrive, each on its own subscription', async () => {
    const { client, close } = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    const tools = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    const prompts = await client.listen({ promptsListChanged: true });
    expect(tools.honoured).toEqual({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    expect(prompts.honoured).toEqual({ promptsListChanged: true });
    expect(tools.id).not.toEqual(prompts.id);
    const seenByEvent: string[] = [];
    client.on('notifications/tools/list_changed', () => void seenByEvent.push('tools'));

    const definition = server.host.definition;
    definition.notifyResourceUpdated('memo://other');
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    definition.notifyResourceUpdated('memo://readme');
    definition.removePrompt(definition.prompts.list()[0].name);
    expect(await next(tools)).toEqual({ method: 'notifications/tools/list_changed' });
    expect(await next(tools)).toEqual({ method: 'notifications/resources/updated', uri: 'memo://readme' });
    expect(await next(prompts)).toEqual({ method: 'notifications/prompts/list_changed' });
    expect(seenByEvent).toEqual(['tools']);

    // Closing one closes its stream: the server ends that subscription, the other goes on.
    expect(openSessions()).toBe(2);
    tools.close();
    expect(await tools.ended).toEqual({ reason: 'closed' });
    await until(() => openSessions() === 1, 'the closed subscription to end on the server');
    definition.addPrompt({ name: 'later', handler: () => ({ messages: [] }) });
    expect(await next(prompts)).toEqual({ method: 'notifications/prompts/list_changed' });
    // Requests still work beside an open subscription.
    expect(await client.callTool({ name: 'echo', arguments: { text: 'beside' } })).toMatchObject({
      content: [{ type: 'text', text: 'beside' }],
    });
    await close();
    expect(await prompts.ended).toMatchObject({ reason: 'failed' });
    await until(() => openSessions() === 0, 'every subscription to end on the server');
  });

  test('an AbortSignal ends it; a for-await loop ends with it', async () => {
    const { client, close } = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    const stop = new AbortController();
    const subscription = await client.listen({ toolsListChanged: true }, { signal: stop.signal });
    const got: SubscriptionNotification[] = [];
    const loop = (async () => {
      for await (const notification of subscription) {
        got.push(notification);
        stop.abort();
      }
    })();
    server.host.definition.addTool({ name: 'one', handler: () => ({ content: [] }) });
    await loop;
    expect(got).toEqual([{ method: 'notifications/tools/list_changed' }]);
    expect(await subscription.ended).toEqual({ reason: 'closed' });
    expect(subscription.isOpen).toBe(false);
    await until(() => openSessions() === 0, 'the subscription to end on the server');
    await close();
  });

  test('a server that shuts down ends the subscription with its result (reason server)', async () => {
    const { client, close } = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    const subscription = await client.listen({ toolsListChanged: true });
    // close() sends each listen its SubscriptionsListenResult before the stream ends.
    await server.close();
    const end = await subscription.ended;
    expect(end.reason).toBe('server');
    await close();
  });

  test('a server that goes away mid-subscription fails it (streams of this revision are not resumed)', async () => {
    const errors: Error[] = [];
    const { client, close } = await connectHttp({
      url: server.url,
      clientInfo: INFO,
      versionNegotiation: 'auto',
      onError: (error) => errors.push(error),
    });
    const subscription = await client.listen({ toolsListChanged: true });
    // Gone without a word: the connections cut, no result sent.
    server.server.closeAllConnections();
    const end = await subscription.ended;
    expect(end.reason).toBe('failed');
    expect(end.reason === 'failed' && end.error.message).toMatch(/not resumed|stream/);
    await close();
  });

  test('a malformed filter is the server error', async () => {
    const modern = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    await expect(
      modern.client.listen({ resourceSubscriptions: 'memo://readme' as unknown as string[] }),
    ).rejects.toMatchObject({ code: -32602 });
    await modern.close();
  });

  test('on a 2025 session the same API filters the session notifications and uses resources/(un)subscribe', async () => {
    const legacy = await connectHttp({ url: server.url, clientInfo: INFO });
    const { client } = legacy;
    expect(client.protocolVersion).toBe('2025-11-25');
    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    expect(subscription.honoured).toEqual({ toolsListChanged: true, resourceSubscriptions: ['memo://readme'] });
    const definition = server.host.definition;
    definition.removePrompt(definition.prompts.list()[0].name);
    definition.notifyResourceUpdated('memo://other');
    definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
    definition.notifyResourceUpdated('memo://readme');
    expect(await next(subscription)).toEqual({ method: 'notifications/tools/list_changed' });
    expect(await next(subscription)).toEqual({ method: 'notifications/resources/updated', uri: 'memo://readme' });
    const subscribed = (): ReadonlySet<string> | undefined =>
      (server.host.definition as unknown as { sessions: Set<{ subscribedResources: ReadonlySet<string> }> }).sessions
        .values()
        .next().value?.subscribedResources;
    expect(subscribed()?.has('memo://readme')).toBe(true);
    subscription.close();
    expect(await subscription.ended).toEqual({ reason: 'closed' });
    // The server was told: its session no longer holds the URI.
    await until(() => subscribed()?.has('memo://readme') === false, 'resources/unsubscribe');
    await legacy.close();
  });
});

describe('ClientSession.listen over stdio (our server, NDJSON)', () => {
  test('subscriptions share the channel; closing one sends notifications/cancelled and ends only it', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const definition = fixtureDefinition();
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const served = serveStdio(definition, { stdin: toServer, stdout: fromServer });
    const sent: string[] = [];
    const transport = new NdjsonTransport(fromServer, toServer);
    const client = new ClientSession({
      clientInfo: INFO,
      versionNegotiation: { pin: '2026-07-28' },
      send: (payload: JsonRpcPayload) => {
        if (!Array.isArray(payload) && 'method' in payload) sent.push(payload.method);
        return transport.send(payload);
      },
    });
    transport.attach(client);
    try {
      await client.connect();
      const a = await client.listen({ toolsListChanged: true });
      const b = await client.listen({ toolsListChanged: true, resourcesListChanged: true });
      definition.addTool({ name: 'late', handler: () => ({ content: [] }) });
      expect(await next(a)).toEqual({ method: 'notifications/tools/list_changed' });
      expect(await next(b)).toEqual({ method: 'notifications/tools/list_changed' });
      a.close();
      expect(sent.filter((method) => method === 'notifications/cancelled')).toHaveLength(1);
      definition.addResource({ uri: 'memo://new', name: 'new', read: () => [{ uri: 'memo://new', text: 'new' }] });
      expect(await next(b)).toEqual({ method: 'notifications/resources/list_changed' });
      definition.addTool({ name: 'later', handler: () => ({ content: [] }) });
      expect(await next(b)).toEqual({ method: 'notifications/tools/list_changed' });
      // a saw nothing after it closed.
      expect(await next(a)).toBeUndefined();
      b.close();
    } finally {
      client.close();
      transport.close();
      served.close();
      await served.closed;
      await node.stop();
    }
  });
});

/** A client whose server is the test: what it sends is recorded, what it receives is typed here. */
function scripted() {
  const sent: { id?: unknown; method: string; params?: Record<string, unknown> }[] = [];
  const client = new ClientSession({
    clientInfo: INFO,
    versionNegotiation: 'auto',
    send: (payload) => {
      if (!Array.isArray(payload) && 'method' in payload) sent.push(payload as never);
    },
  });
  const connect = async (): Promise<void> => {
    const connecting = client.connect();
    await until(() => sent.length === 1, 'server/discover');
    client.receive({
      jsonrpc: '2.0',
      id: sent[0].id as number,
      result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} } },
    });
    await connecting;
  };
  const notify = (method: string, params: Record<string, unknown>): void =>
    client.receive({ jsonrpc: '2.0', method, params });
  return { client, sent, connect, notify };
}

describe('ClientSession.listen against a scripted server', () => {
  test('the server ends it gracefully with a SubscriptionsListenResult', async () => {
    const { client, sent, connect, notify } = scripted();
    await connect();
    const opening = client.listen({ toolsListChanged: true, promptsListChanged: true });
    const id = sent[1].id as number;
    expect(sent[1]).toMatchObject({
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true } },
    });
    notify('notifications/subscriptions/acknowledged', {
      notifications: { toolsListChanged: true },
      _meta: { [SUB]: id },
    });
    const subscription = await opening;
    expect(subscription.honoured).toEqual({ toolsListChanged: true });
    // Another subscription's notification, and one with no id, are not this one's.
    notify('notifications/tools/list_changed', { _meta: { [SUB]: id + 100 } });
    notify('notifications/tools/list_changed', {});
    notify('notifications/tools/list_changed', { _meta: { [SUB]: id } });
    client.receive({ jsonrpc: '2.0', id, result: { resultType: 'complete', _meta: { [SUB]: id } } });
    expect(await subscription.ended).toEqual({ reason: 'server' });
    const rest: SubscriptionNotification[] = [];
    for await (const notification of subscription) rest.push(notification);
    expect(rest).toEqual([{ method: 'notifications/tools/list_changed' }]);
    // The client did not cancel what the server ended.
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'subscriptions/listen']);
    client.close();
  });

  test('on stdio the server ends it with notifications/cancelled naming it', async () => {
    const { client, sent, connect, notify } = scripted();
    await connect();
    const opening = client.listen({ resourceSubscriptions: ['a://1'] });
    const id = sent[1].id as number;
    notify('notifications/subscriptions/acknowledged', {
      notifications: { resourceSubscriptions: ['a://1'] },
      _meta: { [SUB]: id },
    });
    const subscription = await opening;
    notify('notifications/cancelled', { requestId: id, reason: 'shutting down' });
    expect(await subscription.ended).toEqual({ reason: 'server' });
    expect(sent.map((m) => m.method)).toEqual(['server/discover', 'subscriptions/listen']);
    client.close();
  });

  test('a reader that falls behind gets each kind of change once, not once per notification', async () => {
    const { client, sent, connect, notify } = scripted();
    await connect();
    const opening = client.listen({ toolsListChanged: true, resourceSubscriptions: ['a://1', 'a://2'] });
    const id = sent[1].id as number;
    const meta = { [SUB]: id };
    notify('notifications/subscriptions/acknowledged', { notifications: {}, _meta: meta });
    const subscription = await opening;
    const heard: SubscriptionNotification[] = [];
    subscription.on((notification) => void heard.push(notification));
    for (let i = 0; i < 50; i++) {
      notify('notifications/tools/list_changed', { _meta: meta });
      notify('notifications/resources/updated', { uri: `a://${1 + (i % 2)}`, _meta: meta });
    }
    // Listeners hear every one; the queue for the iterator holds one per kind and URI.
    expect(heard).toHaveLength(100);
    subscription.close();
    const queued: SubscriptionNotification[] = [];
    for await (const notification of subscription) queued.push(notification);
    expect(queued).toEqual([
      { method: 'notifications/tools/list_changed' },
      { method: 'notifications/resources/updated', uri: 'a://1' },
      { method: 'notifications/resources/updated', uri: 'a://2' },
    ]);
    expect(sent.at(-1)).toMatchObject({ method: 'notifications/cancelled', params: { requestId: id } });
    client.close();
  });

  test('an error before the acknowledgement rejects listen(); closing the client fails an open subscription', async () => {
    const { client, sent, connect, notify } = scripted();
    await connect();
    const refused = client.listen({ toolsListChanged: true });
    client.receive({ jsonrpc: '2.0', id: sent[1].id as number, error: { code: -32601, message: 'Method not found' } });
    await expect(refused).rejects.toMatchObject({ code: -32601 });
    const opening = client.listen({ toolsListChanged: true });
    notify('notifications/subscriptions/acknowledged', { notifications: {}, _meta: { [SUB]: sent[2].id as number } });
    const subscription = await opening;
    client.close();
    expect(await subscription.ended).toMatchObject({ reason: 'failed' });
  });
});
