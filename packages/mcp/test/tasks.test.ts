import { Node } from '@erlmcp/otp';
import { InvalidParamsError } from '../src/jsonrpc/errors';
import { listenHttp } from '../src/hosting';
import { JSON_HEADERS, messages, raw } from './helpers/http';
import { defineServer, type McpServerDefinition } from '../src/server';
import { principalOf } from '../src/server/handles';
import { TaskStore } from '../src/server/tasks';
import { deferred } from './helpers/fixture';
import { modernMeta, modernWire, WITH_TASKS } from './helpers/modern-wire';

// The tasks extension (io.modelcontextprotocol/tasks, ext-tasks specification/2026-07-28/tasks.md).

const ELICIT = {
  method: 'elicitation/create' as const,
  params: {
    message: 'Your name?',
    requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
  },
};

function server(options: { maxPerClient?: number } = {}) {
  const release = deferred();
  const started = deferred<AbortSignal>();
  const definition = defineServer({ name: 'tasks', version: '1.0.0' }, { tasks: { ...options, pollIntervalMs: 250 } })
    .tool<{ text: string }>({
      name: 'slow',
      task: 'optional',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: async ({ text }, ctx) => {
        started.resolve(ctx.signal);
        ctx.progress(1, 2, 'half way');
        await release.promise;
        return { content: [{ type: 'text', text: `done ${text}` }] };
      },
    })
    .tool({
      name: 'must',
      task: 'required',
      handler: () => ({ content: [{ type: 'text', text: 'ran' }] }),
    })
    .tool({
      name: 'asks',
      task: 'optional',
      handler: async (_args, ctx) => {
        const asked = await ctx.ask({ who: ELICIT });
        if (asked.status !== 'answered') return asked.result;
        const who = asked.responses.who as { content: { name: string } };
        return { content: [{ type: 'text', text: `hello ${who.content.name}` }] };
      },
    })
    .tool({
      name: 'waits',
      task: 'optional',
      handler: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          started.resolve(ctx.signal);
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    })
    .tool({
      name: 'breaks',
      task: 'optional',
      handler: () => {
        throw new InvalidParamsError('no such record', { data: { record: 7 } });
      },
    })
    .tool({ name: 'oops', task: 'optional', handler: () => ({ content: [], isError: true }) })
    .tool({ name: 'plain', handler: () => ({ content: [{ type: 'text', text: 'inline' }] }) })
    .build();
  return { definition, release, started };
}

/** Resolves when the task reaches `status` (told by the store, no polling loop). */
function reaches(definition: McpServerDefinition, taskId: string, status: string, principal = 'alice'): Promise<void> {
  return new Promise((resolve) => {
    if (definition.tasks.get(principal, taskId).status === status) return resolve();
    const stop = definition.tasks.onChange((task) => {
      if (task.taskId === taskId && task.status === status) {
        stop();
        resolve();
      }
    });
  });
}

const call = (name: string, args: Record<string, unknown> = {}, caps: Record<string, unknown> = WITH_TASKS) => ({
  name,
  arguments: args,
  _meta: modernMeta({ elicitation: {}, ...caps }),
});
const task = (taskId: unknown, extra: Record<string, unknown> = {}, caps: Record<string, unknown> = WITH_TASKS) => ({
  taskId,
  ...extra,
  _meta: modernMeta(caps),
});

describe('tasks extension', () => {
  it('server/discover offers the extension when a tool runs as a task, and not otherwise', async () => {
    const { definition } = server();
    const { result } = await modernWire(definition).call('server/discover', { _meta: modernMeta() });
    expect(result!.capabilities.extensions).toEqual({ 'io.modelcontextprotocol/tasks': {} });
    const none = defineServer({ name: 'n', version: '1' })
      .tool({ name: 'plain', handler: () => ({ content: [] }) })
      .build();
    const other = await modernWire(none).call('server/discover', { _meta: modernMeta() });
    expect(other.result!.capabilities.extensions).toBeUndefined();
    // No tasks offered: tasks/get is a method this server does not have.
    expect((await modernWire(none).call('tasks/get', task('x'))).error?.code).toBe(-32601);
  });

  it('answers a task tool with a CreateTaskResult, then tasks/get shows it working and finally completed', async () => {
    const { definition, release, started } = server();
    const wire = modernWire(definition, 'alice');
    const created = (await wire.call('tools/call', call('slow', { text: 'x' }))).result!;
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000, pollIntervalMs: 250 });
    expect(created.taskId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    await started.promise;
    const working = (await wire.call('tasks/get', task(created.taskId))).result!;
    expect(working).toMatchObject({ resultType: 'complete', taskId: created.taskId, status: 'working' });
    expect(working.statusMessage).toBe('half way');
    const done = reaches(definition, created.taskId, 'completed');
    release.resolve();
    await done;
    const completed = (await wire.call('tasks/get', task(created.taskId))).result!;
    expect(completed).toMatchObject({
      resultType: 'complete',
      status: 'completed',
      result: { content: [{ type: 'text', text: 'done x' }], resultType: 'complete' },
    });
  });

  it('without the extension: an optional task tool answers inline, a required one is -32021 naming the extension', async () => {
    const { definition, release } = server();
    release.resolve();
    const wire = modernWire(definition);
    const inline = await wire.call('tools/call', call('slow', { text: 'y' }, {}));
    expect(inline.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'done y' }] });
    const refused = await wire.call('tools/call', call('must', {}, {}));
    expect(refused.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
    // A tool that does not run as a task is answered inline whatever the request declares.
    expect((await wire.call('tools/call', call('plain'))).result).toMatchObject({ resultType: 'complete' });
  });

  it('input_required: tasks/get lists the question, tasks/update answers it (unknown keys ignored), the task completes', async () => {
    const { definition } = server();
    const wire = modernWire(definition, 'alice');
    const { taskId } = (await wire.call('tools/call', call('asks'))).result!;
    await reaches(definition, taskId, 'input_required');
    const waiting = (await wire.call('tasks/get', task(taskId))).result!;
    expect(waiting).toMatchObject({ status: 'input_required', inputRequests: { who: ELICIT } });
    const ack = await wire.call(
      'tasks/update',
      task(taskId, { inputResponses: { nope: 1, who: { action: 'accept', content: { name: 'ada' } } } }),
    );
    expect(ack.result).toMatchObject({ resultType: 'complete' });
    await reaches(definition, taskId, 'completed');
    const done = (await wire.call('tasks/get', task(taskId))).result!;
    expect(done.result.content).toEqual([{ type: 'text', text: 'hello ada' }]);
    expect(done.inputRequests).toBeUndefined();
    // A question the request's capabilities do not cover fails the task with -32021.
    const noElicit = await wire.call('tools/call', { ...call('asks'), _meta: modernMeta(WITH_TASKS) });
    await reaches(definition, noElicit.result!.taskId, 'failed');
    expect((await wire.call('tasks/get', task(noElicit.result!.taskId))).result!.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { elicitation: { form: {} } } },
    });
  });

  it('tasks/cancel aborts the handler and the task reads cancelled; tasks/update without inputResponses is -32602', async () => {
    const { definition, started } = server();
    const wire = modernWire(definition, 'alice');
    const { taskId } = (await wire.call('tools/call', call('waits'))).result!;
    const signal = await started.promise;
    expect((await wire.call('tasks/update', task(taskId))).error?.code).toBe(-32602);
    expect((await wire.call('tasks/cancel', task(taskId))).result).toMatchObject({ resultType: 'complete' });
    expect(signal.aborted).toBe(true);
    expect((await wire.call('tasks/get', task(taskId))).result).toMatchObject({ status: 'cancelled' });
    // A cancelled task stays cancelled: a second cancel is acknowledged and changes nothing.
    await wire.call('tasks/cancel', task(taskId));
    expect((await wire.call('tasks/get', task(taskId))).result!.status).toBe('cancelled');
  });

  it('a JSON-RPC error fails the task with that error; an isError result completes it', async () => {
    const { definition } = server();
    const wire = modernWire(definition, 'alice');
    const broken = (await wire.call('tools/call', call('breaks'))).result!;
    await reaches(definition, broken.taskId, 'failed');
    expect((await wire.call('tasks/get', task(broken.taskId))).result).toMatchObject({
      status: 'failed',
      error: { code: -32602, message: 'no such record', data: { record: 7 } },
      statusMessage: 'no such record',
    });
    const oops = (await wire.call('tools/call', call('oops'))).result!;
    await reaches(definition, oops.taskId, 'completed');
    expect((await wire.call('tasks/get', task(oops.taskId))).result).toMatchObject({
      status: 'completed',
      result: { isError: true },
    });
  });

  it('unknown, tampered and foreign task ids are all -32602; tasks/* without the extension is -32021; tasks/list is -32601', async () => {
    const { definition } = server();
    const alice = modernWire(definition, 'alice');
    const mallory = modernWire(definition, 'mallory');
    const { taskId } = (await alice.call('tools/call', call('waits'))).result!;
    const tampered = (taskId as string).slice(0, -1) + ((taskId as string).endsWith('A') ? 'B' : 'A');
    for (const id of ['nope', tampered, 42, null, '']) {
      const answer = await alice.call('tasks/get', task(id));
      expect(answer.error?.code).toBe(-32602);
    }
    for (const method of ['tasks/get', 'tasks/cancel']) {
      const foreign = await mallory.call(method, task(taskId));
      expect(foreign.error).toMatchObject({ code: -32602, message: 'Failed to retrieve task: Task not found' });
    }
    expect((await mallory.call('tasks/update', task(taskId, { inputResponses: {} }))).error?.code).toBe(-32602);
    expect((await alice.call('tasks/get', task(taskId, {}, {}))).error?.code).toBe(-32021);
    expect((await alice.call('tasks/list', task(undefined))).error?.code).toBe(-32601);
    expect((await alice.call('tasks/result', task(taskId))).error?.code).toBe(-32601);
    // Mallory's attempts changed nothing: the task is still Alice's, and still running.
    expect((await alice.call('tasks/get', task(taskId))).result!.status).toBe('working');
    await alice.call('tasks/cancel', task(taskId));
  });

  it('bounds tasks per client: past the bound an optional tool answers inline and a required one is -32603; others are unaffected', async () => {
    const { definition, release } = server({ maxPerClient: 2 });
    const alice = modernWire(definition, 'alice');
    const first = (await alice.call('tools/call', call('slow', { text: '1' }))).result!;
    const second = (await alice.call('tools/call', call('slow', { text: '2' }))).result!;
    expect([first.resultType, second.resultType]).toEqual(['task', 'task']);
    const third = alice.call('tools/call', call('slow', { text: '3' }));
    expect((await alice.call('tools/call', call('must'))).error?.code).toBe(-32603);
    // Bob has his own share.
    const bob = modernWire(definition, 'bob');
    expect((await bob.call('tools/call', call('must'))).result!.resultType).toBe('task');
    const done = Promise.all([
      reaches(definition, first.taskId, 'completed'),
      reaches(definition, second.taskId, 'completed'),
    ]);
    release.resolve();
    expect((await third).result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'done 3' }] });
    await done;
    // Finished tasks make room: the oldest finished one is dropped for a new one.
    expect((await alice.call('tools/call', call('must'))).result!.resultType).toBe('task');
    expect((await alice.call('tasks/get', task(first.taskId))).error?.code).toBe(-32602);
    expect((await alice.call('tasks/get', task(second.taskId))).result!.status).toBe('completed');
  });

  it('notifications/tasks on subscriptions/listen for the task ids named, own tasks only; naming them without the extension is -32021', async () => {
    const { definition, release } = server();
    const alice = modernWire(definition, 'alice');
    const { taskId } = (await alice.call('tools/call', call('slow', { text: 'n' }))).result!;
    const theirs = (await modernWire(definition, 'bob').call('tools/call', call('slow', { text: 'b' }))).result!;
    const refused = await alice.call('subscriptions/listen', {
      notifications: { taskIds: [taskId] },
      _meta: modernMeta(),
    });
    expect(refused.error?.code).toBe(-32021);
    void alice.call(
      'subscriptions/listen',
      { notifications: { taskIds: [taskId, theirs.taskId, 'zzz'] }, _meta: modernMeta(WITH_TASKS) },
      'listen-1',
    );
    const ack = alice.sent.find((m) => m.method === 'notifications/subscriptions/acknowledged')!;
    expect(ack.params.notifications.taskIds).toEqual([taskId]);
    const done = reaches(definition, taskId, 'completed');
    release.resolve();
    await done;
    const pushed = alice.sent.filter((m) => m.method === 'notifications/tasks');
    expect(pushed.at(-1)!.params).toMatchObject({
      taskId,
      status: 'completed',
      result: { content: [{ type: 'text', text: 'done n' }] },
      _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' },
    });
    expect(pushed.every((m) => m.params.taskId === taskId)).toBe(true);
    alice.session.close();
  });
});

describe('tasks over Streamable HTTP (stateless requests)', () => {
  it('the task outlives its request; tasks/get needs Mcp-Name = taskId and the same Authorization', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const { definition, release } = server();
    const http = await listenHttp(definition);
    try {
      const post = async (token: string, method: string, name: string, params: Record<string, unknown>) => {
        const res = await raw(
          http.url,
          'POST',
          {
            ...JSON_HEADERS,
            authorization: `Bearer ${token}`,
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': method,
            'mcp-name': name,
          },
          JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        );
        return {
          status: res.status,
          answer: messages(res)[0] as { result?: Record<string, any>; error?: { code: number } },
        };
      };
      const created = await post('a', 'tools/call', 'slow', call('slow', { text: 'h' }));
      expect(created.answer.result).toMatchObject({ resultType: 'task', status: 'working' });
      const taskId = created.answer.result!.taskId as string;
      const done = reaches(definition, taskId, 'completed', principalOf('Bearer a'));
      release.resolve();
      await done;
      const got = await post('a', 'tasks/get', taskId, task(taskId));
      expect(got.answer.result).toMatchObject({
        status: 'completed',
        result: { content: [{ type: 'text', text: 'done h' }] },
      });
      const mismatch = await post('a', 'tasks/get', 'other', task(taskId));
      expect([mismatch.status, mismatch.answer.error?.code]).toEqual([400, -32020]);
      const foreign = await post('b', 'tasks/get', taskId, task(taskId));
      expect(foreign.answer.error?.code).toBe(-32602);
    } finally {
      await http.close();
      await node.stop();
    }
  });
});

describe('TaskStore', () => {
  it('a task past its TTL is "expired" once, then unknown, and its handler is aborted', () => {
    const store = new TaskStore({ ttlMs: 1000 });
    const t = store.create('p', 0)!;
    expect(store.get('p', t.taskId, 999)).toBe(t);
    expect(() => store.get('p', t.taskId, 1000)).toThrow('Task has expired');
    expect(t.abort.signal.aborted).toBe(true);
    expect(() => store.get('p', t.taskId, 1000)).toThrow('Task not found');
    expect(store.size).toBe(0);
    store.clear();
  });

  it('sweep drops expired tasks of every principal; ids are 128-bit and distinct', () => {
    const store = new TaskStore({ ttlMs: 1000, maxPerClient: 500 });
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) ids.add(store.create(`p${i % 5}`, 0)!.taskId);
    expect(ids.size).toBe(500);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    store.sweep(999);
    expect(store.size).toBe(500);
    store.sweep(1000);
    expect(store.size).toBe(0);
    store.clear();
  });

  it("maxTasks bounds all principals together; forget cancels and drops one principal's tasks", () => {
    const store = new TaskStore({ maxTasks: 2 });
    const a = store.create('a')!;
    store.create('b')!;
    expect(store.create('c')).toBeUndefined();
    a.complete({ content: [] });
    // Only a's own finished task makes room for a.
    expect(store.create('c')).toBeUndefined();
    expect(store.create('a')).toBeDefined();
    const running = store.create('b');
    expect(running).toBeUndefined();
    store.forget('a');
    expect(store.size).toBe(1);
    expect(store.create('c')).toBeDefined();
    store.clear();
    expect(store.size).toBe(0);
  });

  it('a tool whose task option is neither optional nor required is refused at definition time', () => {
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({ name: 'bad', task: 'always' as never, handler: () => ({ content: [] }) })
        .build(),
    ).toThrow("Tool bad: task must be 'optional' or 'required'");
  });

  it('rejects options that are not positive integers', () => {
    expect(() => new TaskStore({ ttlMs: 0 })).toThrow('tasks.ttlMs');
    expect(() => new TaskStore({ maxPerClient: 1.5 })).toThrow('tasks.maxPerClient');
    expect(() => new TaskStore({ pollIntervalMs: -1 })).toThrow('tasks.pollIntervalMs');
  });
});
