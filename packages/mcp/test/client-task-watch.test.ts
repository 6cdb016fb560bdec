import { PassThrough } from 'node:stream';
import { Node } from '@erlmcp/otp';
import type { JsonRpcPayload } from '@erlmcp/mcp';
import { JsonRpcError, RequestCancelledError, TaskExpiredError, type DetailedTask } from '../src';
import { ClientSession, connectHttp } from '../src/client';
import { waitForTask, type TaskRequester } from '../src/client/tasks';
import { listenHttp } from '../src/hosting';
import { defineServer, serveStdio } from '../src/server';
import { NdjsonTransport } from '../src/transport/ndjson';
import { deferred } from './helpers/fixture';

// waitForTask follows a task by notifications/tasks on a subscriptions/listen naming it
// (tasks.md, "Task Status Notifications") when the server honours that, with polling as the
// fallback: the server here suggests a poll every minute, so a wait that ends after one
// tasks/get was told by a notification. Over stdio (NDJSON) and Streamable HTTP.

const INFO = { name: 'watch-client', version: '1.0.0' };

function tasksServer(pollIntervalMs: number) {
  const release = deferred();
  const aborted = deferred();
  const definition = defineServer({ name: 'watched', version: '1.0.0' }, { tasks: { pollIntervalMs } })
    .tool({
      name: 'slow',
      task: 'optional',
      handler: async () => {
        await release.promise;
        return { content: [{ type: 'text', text: 'done' }] };
      },
    })
    .tool({
      name: 'asks',
      task: 'required',
      handler: async (_args, ctx) => {
        const asked = await ctx.ask({
          who: {
            method: 'elicitation/create',
            params: { message: 'Who?', requestedSchema: { type: 'object', properties: { n: { type: 'string' } } } },
          },
        });
        if (asked.status !== 'answered') return asked.result;
        return {
          content: [{ type: 'text', text: `hi ${(asked.responses.who as { content: { n: string } }).content.n}` }],
        };
      },
    })
    .tool({
      name: 'waits',
      task: 'optional',
      handler: (_args, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve();
            reject(new Error('aborted'));
          }),
        ),
    })
    .build();
  return { definition, release, aborted };
}

/** A client over stdio to `definition`, recording the methods it sends. */
function stdioClient(definition: ReturnType<typeof tasksServer>['definition']) {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const served = serveStdio(definition, { stdin: toServer, stdout: fromServer });
  const sent: string[] = [];
  const transport = new NdjsonTransport(fromServer, toServer);
  const client = new ClientSession({
    clientInfo: INFO,
    versionNegotiation: { pin: '2026-07-28' },
    handlers: { elicit: () => ({ action: 'accept', content: { n: 'Ada' } }) },
    send: (payload: JsonRpcPayload) => {
      if (!Array.isArray(payload) && 'method' in payload) sent.push(payload.method);
      return transport.send(payload);
    },
  });
  transport.attach(client);
  const close = async (): Promise<void> => {
    client.close();
    transport.close();
    served.close();
    await served.closed;
  };
  return { client, sent, close };
}

const count = (sent: string[], method: string): number => sent.filter((m) => m === method).length;

/**
 * Waits until `check` holds, looking every 5 ms for up to 60 s: what it waits for may be
 * behind a real timer (a poll every pollIntervalMs), which a count of event-loop turns
 * could outrun on an idle machine; the bound is only there so a broken build fails.
 */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error(`never saw ${what}`);
}

describe('waitForTask: notifications/tasks first, polling as the fallback', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  test('stdio: told by notifications (one tasks/get), questions answered on the way, the subscription closed after', async () => {
    const fixture = tasksServer(60_000);
    const { client, sent, close } = stdioClient(fixture.definition);
    try {
      await client.connect();
      const outcome = await client.callToolAsTask({ name: 'slow', arguments: {} });
      if (outcome.kind !== 'task') throw new Error('expected a task');
      const seen: DetailedTask['status'][] = [];
      const result = client.waitForTask(outcome.task.taskId, { onStatus: (task) => seen.push(task.status) });
      await until(() => count(sent, 'tasks/get') === 1, 'the first tasks/get');
      fixture.release.resolve();
      await expect(result).resolves.toEqual({
        content: [{ type: 'text', text: 'done' }],
        resultType: 'complete',
        _meta: expect.any(Object),
      });
      expect(seen).toEqual(['working', 'completed']);
      // The listen went out before the one poll; the state that ended the wait came by notification.
      expect(sent.indexOf('subscriptions/listen')).toBeLessThan(sent.indexOf('tasks/get'));
      expect(count(sent, 'tasks/get')).toBe(1);
      expect(count(sent, 'notifications/cancelled')).toBe(1);

      // A task that asks: input_required arrives by notification, answered by tasks/update.
      sent.length = 0;
      const asked = await client.callToolAndWait({ name: 'asks', arguments: {} });
      expect(asked.content).toEqual([{ type: 'text', text: 'hi Ada' }]);
      expect(count(sent, 'tasks/update')).toBe(1);
      // One poll when the wait began, one after the update: no poll on the minute's interval.
      expect(count(sent, 'tasks/get')).toBeLessThanOrEqual(2);
    } finally {
      await close();
    }
  });

  test('stdio: notifications: false polls every pollIntervalMs and opens no subscription', async () => {
    const fixture = tasksServer(10);
    const { client, sent, close } = stdioClient(fixture.definition);
    try {
      await client.connect();
      const outcome = await client.callToolAsTask({ name: 'slow', arguments: {} });
      if (outcome.kind !== 'task') throw new Error('expected a task');
      const result = client.waitForTask(outcome.task.taskId, { notifications: false });
      await until(() => count(sent, 'tasks/get') >= 3, 'three polls');
      fixture.release.resolve();
      await expect(result).resolves.toMatchObject({ content: [{ type: 'text', text: 'done' }] });
      expect(count(sent, 'subscriptions/listen')).toBe(0);
    } finally {
      await close();
    }
  });

  test('stdio: a task the listen does not honour (unknown id) is polled, and its -32602 ends the wait', async () => {
    const fixture = tasksServer(10);
    const { client, sent, close } = stdioClient(fixture.definition);
    try {
      await client.connect();
      const error = await client.waitForTask('no-such-task').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JsonRpcError);
      expect(error).toMatchObject({ code: -32602 });
      expect(count(sent, 'subscriptions/listen')).toBe(1);
      // Not honoured: closed at once, before the poll.
      expect(sent.indexOf('notifications/cancelled')).toBeLessThan(sent.indexOf('tasks/get'));
    } finally {
      await close();
    }
  });

  test('stdio: aborting the wait closes the subscription, sends tasks/cancel and rejects', async () => {
    const fixture = tasksServer(60_000);
    const { client, sent, close } = stdioClient(fixture.definition);
    try {
      await client.connect();
      const outcome = await client.callToolAsTask({ name: 'waits', arguments: {} });
      if (outcome.kind !== 'task') throw new Error('expected a task');
      const stop = new AbortController();
      const waiting = client.waitForTask(outcome.task.taskId, { signal: stop.signal }).catch((e: unknown) => e);
      await until(() => count(sent, 'tasks/get') === 1, 'the first tasks/get');
      stop.abort('enough');
      expect(await waiting).toBeInstanceOf(RequestCancelledError);
      await fixture.aborted.promise;
      expect(count(sent, 'tasks/cancel')).toBe(1);
      expect(count(sent, 'notifications/cancelled')).toBe(1);
      expect((await client.getTask(outcome.task.taskId)).status).toBe('cancelled');
    } finally {
      await close();
    }
  });

  test('Streamable HTTP: told by notifications on the listen stream (one tasks/get)', async () => {
    const fixture = tasksServer(60_000);
    const server = await listenHttp(fixture.definition);
    const http = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: { pin: '2026-07-28' } });
    // The client posts through the global fetch: count the tasks/get bodies it sends.
    const realFetch = globalThis.fetch;
    const posted: string[] = [];
    globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      if (typeof init?.body === 'string') {
        const method = (JSON.parse(init.body) as { method?: string }).method;
        if (method !== undefined) posted.push(method);
      }
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      const outcome = await http.client.callToolAsTask({ name: 'slow', arguments: {} });
      if (outcome.kind !== 'task') throw new Error('expected a task');
      const result = http.client.waitForTask(outcome.task.taskId);
      await until(() => count(posted, 'tasks/get') === 1, 'the first tasks/get');
      fixture.release.resolve();
      await expect(result).resolves.toMatchObject({ content: [{ type: 'text', text: 'done' }] });
      expect(count(posted, 'subscriptions/listen')).toBe(1);
      expect(count(posted, 'tasks/get')).toBe(1);
    } finally {
      globalThis.fetch = realFetch;
      await http.close();
      await server.close();
    }
  });
});

describe('waitForTask and the task TTL', () => {
  test('a task still working a poll interval past createdAt + ttlMs ends the wait with TaskExpiredError', async () => {
    const methods: string[] = [];
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    const requester: TaskRequester = {
      request: (method) => {
        methods.push(method);
        return Promise.resolve({
          taskId: 't1',
          status: 'working',
          createdAt,
          lastUpdatedAt: createdAt,
          ttlMs: 1_000,
          pollIntervalMs: 10,
        });
      },
      answer: () => Promise.reject(new Error('no questions here')),
    };
    const error = await waitForTask(requester, 't1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExpiredError);
    expect(error).toMatchObject({ taskId: 't1' });
    expect(methods).toEqual(['tasks/get']);
  });

  test('a null ttlMs never expires on the client side: the wait goes on until the task ends', async () => {
    let polls = 0;
    const createdAt = new Date(Date.now() - 86_400_000).toISOString();
    const requester: TaskRequester = {
      request: () => {
        polls += 1;
        const base = { taskId: 't2', createdAt, lastUpdatedAt: createdAt, ttlMs: null, pollIntervalMs: 1 };
        return Promise.resolve(
          polls < 3 ? { ...base, status: 'working' } : { ...base, status: 'completed', result: { content: [] } },
        );
      },
      answer: () => Promise.reject(new Error('no questions here')),
    };
    await expect(waitForTask(requester, 't2')).resolves.toEqual({ content: [] });
    expect(polls).toBe(3);
  });
});
