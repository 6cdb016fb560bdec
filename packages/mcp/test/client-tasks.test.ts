import { Node } from '@erlmcp/otp';
import { InvalidParamsError, JsonRpcError, SessionStateError, TaskCancelledError, type DetailedTask } from '../src';
import { connectHttp, type HttpClient } from '../src/client';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer } from '../src/server';
import { deferred } from './helpers/fixture';

// Our client's typed API for the tasks extension (io.modelcontextprotocol/tasks) against our
// server over Streamable HTTP: tasks/get, tasks/update and tasks/cancel carry Mcp-Name (the
// server refuses them without it), questions answered through the handlers, cancellation.

function tasksServer() {
  const release = deferred();
  const aborted = deferred<unknown>();
  const definition = defineServer({ name: 'tasks', version: '1.0.0' }, { tasks: { pollIntervalMs: 20 } })
    .tool<{ text: string }>({
      name: 'slow',
      task: 'optional',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      outputSchema: { type: 'object', properties: { echoed: { type: 'string' } }, required: ['echoed'] },
      handler: async ({ text }) => {
        await release.promise;
        return { structuredContent: { echoed: text } };
      },
    })
    .tool({
      name: 'asks',
      task: 'required',
      handler: async (_args, ctx) => {
        const first = await ctx.ask({
          who: {
            method: 'elicitation/create',
            params: { message: 'Who?', requestedSchema: { type: 'object', properties: {} } },
          },
        });
        if (first.status !== 'answered') return first.result;
        const second = await ctx.ask({ roots: { method: 'roots/list' } });
        if (second.status !== 'answered') return second.result;
        const who = (first.responses.who as { content: { name: string } }).content.name;
        const roots = (second.responses.roots as { roots: unknown[] }).roots.length;
        return { content: [{ type: 'text', text: `hello ${who}, ${roots} root(s)` }] };
      },
    })
    .tool({
      name: 'waits',
      task: 'optional',
      handler: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve(ctx.signal.reason);
            reject(new Error('aborted'));
          });
        }),
    })
    .tool({
      name: 'breaks',
      task: 'optional',
      handler: () => {
        throw new InvalidParamsError('no such record', { data: { record: 7 } });
      },
    })
    .tool({ name: 'plain', handler: () => ({ content: [{ type: 'text', text: 'inline' }] }) })
    .build();
  return { definition, release, aborted };
}

describe('ClientSession: the tasks extension (2026-07-28)', () => {
  let node: Node;
  let server: McpHttpServer;
  let fixture: ReturnType<typeof tasksServer>;
  let http: HttpClient;
  let asked: string[];

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    fixture = tasksServer();
    server = await listenHttp(fixture.definition);
    asked = [];
    http = await connectHttp({
      url: server.url,
      clientInfo: { name: 'tasks-client', version: '1.0.0' },
      versionNegotiation: { pin: '2026-07-28' },
      handlers: {
        elicit: (params) => {
          asked.push(`elicit:${params.message}`);
          return { action: 'accept', content: { name: 'Ada' } };
        },
        listRoots: () => {
          asked.push('roots');
          return { roots: [{ uri: 'file:///tmp' }] };
        },
      },
    });
    // outputSchema checks of task results need the tool list, as callTool's do.
    await http.client.listTools();
  });

  afterEach(async () => {
    await http.close();
    await server.close();
    await node.stop();
  });

  it('callToolAsTask gets a task, getTask sees it working, waitForTask returns its result', async () => {
    const outcome = await http.client.callToolAsTask({ name: 'slow', arguments: { text: 'tea' } });
    if (outcome.kind !== 'task') throw new Error('expected a task');
    expect(outcome.task).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000, pollIntervalMs: 20 });
    const { taskId } = outcome.task;
    expect(await http.client.getTask(taskId)).toMatchObject({ taskId, status: 'working' });
    const seen: DetailedTask['status'][] = [];
    const result = http.client.waitForTask(taskId, { onStatus: (task) => seen.push(task.status) });
    fixture.release.resolve();
    await expect(result).resolves.toMatchObject({ structuredContent: { echoed: 'tea' } });
    expect(seen[seen.length - 1]).toBe('completed');
    const done = await http.client.getTask(taskId);
    if (done.status !== 'completed') throw new Error('expected completed');
    expect(done.result.structuredContent).toEqual({ echoed: 'tea' });
  });

  it('callToolAndWait answers each question of the task once through the handlers, with tasks/update', async () => {
    const result = await http.client.callToolAndWait({ name: 'asks', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'hello Ada, 1 root(s)' }]);
    expect(asked).toEqual(['elicit:Who?', 'roots']);
  });

  it('updateTask by hand: the task waits in input_required with its questions until answered', async () => {
    const outcome = await http.client.callToolAsTask({ name: 'asks', arguments: {} });
    if (outcome.kind !== 'task') throw new Error('expected a task');
    const { taskId } = outcome.task;
    let task = await http.client.getTask(taskId);
    for (let i = 0; i < 200 && task.status !== 'input_required'; i++) task = await http.client.getTask(taskId);
    if (task.status !== 'input_required') throw new Error(`expected input_required, got ${task.status}`);
    expect(Object.keys(task.inputRequests)).toEqual(['who']);
    expect(task.inputRequests.who!.method).toBe('elicitation/create');
    // An unknown key is ignored, as the extension asks.
    await http.client.updateTask(taskId, {
      nobody: { action: 'decline' },
      who: { action: 'accept', content: { name: 'Bo' } },
    });
    await expect(http.client.waitForTask(taskId)).resolves.toMatchObject({
      content: [{ type: 'text', text: 'hello Bo, 1 root(s)' }],
    });
    expect(asked).toEqual(['roots']);
  });

  it('a task that fails rejects with its JSON-RPC error', async () => {
    const error = await http.client.callToolAndWait({ name: 'breaks', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ code: -32602, message: 'no such record', data: { record: 7 } });
  });

  it('cancelTask ends the task: the handler is aborted and waitForTask rejects with TaskCancelledError', async () => {
    const outcome = await http.client.callToolAsTask({ name: 'waits', arguments: {} });
    if (outcome.kind !== 'task') throw new Error('expected a task');
    const waiting = http.client.waitForTask(outcome.task.taskId).catch((e: unknown) => e);
    await http.client.cancelTask(outcome.task.taskId);
    await fixture.aborted.promise;
    const error = await waiting;
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error).toMatchObject({ taskId: outcome.task.taskId });
    expect((await http.client.getTask(outcome.task.taskId)).status).toBe('cancelled');
  });

  it('aborting the wait sends tasks/cancel (cancelOnAbort) and rejects', async () => {
    const outcome = await http.client.callToolAsTask({ name: 'waits', arguments: {} });
    if (outcome.kind !== 'task') throw new Error('expected a task');
    const stop = new AbortController();
    const waiting = http.client.waitForTask(outcome.task.taskId, { signal: stop.signal }).catch((e: unknown) => e);
    stop.abort('enough');
    expect(await waiting).toMatchObject({ name: 'RequestCancelledError' });
    await fixture.aborted.promise;
  });

  it('a tool that is not a task answers inline (kind result); an unknown task id is -32602', async () => {
    expect(await http.client.callToolAsTask({ name: 'plain', arguments: {} })).toEqual({
      kind: 'result',
      result: expect.objectContaining({ content: [{ type: 'text', text: 'inline' }] }),
    });
    await expect(http.client.getTask('no-such-task')).rejects.toMatchObject({ code: -32602 });
    // A plain callTool does not declare the extension: a required-task tool is refused with -32021.
    await expect(http.client.callTool({ name: 'asks', arguments: {} })).rejects.toMatchObject({ code: -32021 });
  });
});

describe('ClientSession: the tasks extension on a 2025 session', () => {
  it('callToolAsTask is callTool; getTask needs 2026-07-28', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const fixture = tasksServer();
    const server = await listenHttp(fixture.definition);
    const http = await connectHttp({ url: server.url, clientInfo: { name: 'old', version: '1.0.0' } });
    try {
      expect(await http.client.callToolAsTask({ name: 'plain', arguments: {} })).toMatchObject({ kind: 'result' });
      await expect(http.client.getTask('x')).rejects.toBeInstanceOf(SessionStateError);
    } finally {
      await http.close();
      await server.close();
      await node.stop();
    }
  });
});
