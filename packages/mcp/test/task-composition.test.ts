import { defineServer, type McpServerDefinition, type RequestContext } from '../src/server';
import { DefinitionError } from '../src/protocol/errors';
import { modernMeta, modernWire, WITH_TASKS } from './helpers/modern-wire';

// Multi round-trip requests composed with the tasks extension (ext-tasks tasks.md, "Task
// Creation": MRTR exchanges before a task is created are resolved synchronously, then the
// CreateTaskResult): a tool with `taskStart: 'handler'` asks in its request, then returns
// `ctx.runAsTask(work)`. The same handler serves a request without the extension and a 2025
// session, where `work` runs inline.

const ASK_NAME = {
  method: 'elicitation/create' as const,
  params: {
    message: 'Your name?',
    requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
  },
};
const ASK_COLOUR = { ...ASK_NAME, params: { ...ASK_NAME.params, message: 'Your colour?' } };

type Answer = { action?: string; content?: { name?: string } };

function definition(task: 'optional' | 'required' = 'required'): McpServerDefinition {
  return defineServer({ name: 'compose', version: '1.0.0' }, { tasks: { pollIntervalMs: 100 } })
    .tool<{ reask?: boolean }>({
      name: 'greet_later',
      task,
      taskStart: 'handler',
      inputSchema: { type: 'object', properties: { reask: { type: 'boolean' } } },
      handler: async ({ reask }, ctx) => {
        const asked = await ctx.ask({ user_name: ASK_NAME });
        if (asked.status === 'input_required') return asked.result;
        const name = (asked.responses.user_name as Answer).content?.name ?? '?';
        return ctx.runAsTask(async (inner: RequestContext) => {
          // A new key: through tasks/update in a task, one more round trip (or request) inline.
          // With reask, user_name too: in the task it is known from the round trips, not asked again.
          const more = await inner.ask(
            reask === true ? { user_name: ASK_NAME, colour: ASK_COLOUR } : { colour: ASK_COLOUR },
          );
          if (more.status === 'input_required') return more.result;
          const colour = (more.responses.colour as Answer).content?.name ?? '?';
          const where = inner.task === undefined ? 'inline' : 'task';
          return { content: [{ type: 'text', text: `${name} likes ${colour} (${where})` }] };
        });
      },
    })
    .build();
}

const caps = { elicitation: {}, ...WITH_TASKS };
const call = (extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = caps) => ({
  name: 'greet_later',
  arguments: {},
  ...extra,
  _meta: modernMeta(capabilities),
});
const accept = (name: string) => ({ action: 'accept', content: { name } });

/** Resolves when the task reaches `status` (told by the store). */
function reaches(def: McpServerDefinition, taskId: string, status: string, principal = 'alice'): Promise<void> {
  return new Promise((resolve) => {
    if (def.tasks.get(principal, taskId).status === status) return resolve();
    const stop = def.tasks.onChange((task) => {
      if (task.taskId === taskId && task.status === status) {
        stop();
        resolve();
      }
    });
  });
}

describe('multi round-trip, then a task (taskStart: handler)', () => {
  it('round 1 asks (no task), round 2 is the CreateTaskResult (no requestState), the task asks only the new key', async () => {
    const def = definition();
    const wire = modernWire(def, 'alice');
    const first = (await wire.call('tools/call', call({ arguments: { reask: true } }))).result!;
    expect(first).toMatchObject({ resultType: 'input_required', inputRequests: { user_name: ASK_NAME } });
    expect(first).not.toHaveProperty('taskId');
    expect(def.tasks.size).toBe(0);

    const second = (
      await wire.call(
        'tools/call',
        call({
          arguments: { reask: true },
          inputResponses: { user_name: accept('Alice') },
          requestState: first.requestState,
        }),
      )
    ).result!;
    expect(second).toMatchObject({ resultType: 'task', status: 'working', pollIntervalMs: 100 });
    expect(second).not.toHaveProperty('requestState');
    expect(second).not.toHaveProperty('inputRequests');
    expect(second).not.toHaveProperty('content');

    const taskId = second.taskId as string;
    await reaches(def, taskId, 'input_required');
    const waiting = (await wire.call('tasks/get', { taskId, _meta: modernMeta(caps) })).result!;
    // user_name was answered before the task: only colour is outstanding.
    expect(waiting.inputRequests).toEqual({ colour: ASK_COLOUR });
    await wire.call('tasks/update', { taskId, inputResponses: { colour: accept('green') }, _meta: modernMeta(caps) });
    await reaches(def, taskId, 'completed');
    const done = (await wire.call('tasks/get', { taskId, _meta: modernMeta(caps) })).result!;
    expect(done.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Alice likes green (task)' }],
    });
  });

  it('a tampered requestState on round 2 is -32602 and starts no task', async () => {
    const def = definition();
    const wire = modernWire(def, 'alice');
    const first = (await wire.call('tools/call', call())).result!;
    const state = String(first.requestState);
    const tampered = `${state.slice(0, -2)}${state.endsWith('A') ? 'B' : 'A'}${state.slice(-1)}`;
    const answer = await wire.call(
      'tools/call',
      call({ inputResponses: { user_name: accept('Eve') }, requestState: tampered }),
    );
    expect(answer.error?.code).toBe(-32602);
    expect(def.tasks.size).toBe(0);
  });

  it('without the extension: an optional tool asks by round trips and answers inline; a required one is -32021', async () => {
    const def = definition('optional');
    const wire = modernWire(def, 'bob');
    const noTasks = { elicitation: {} };
    const first = (await wire.call('tools/call', call({}, noTasks))).result!;
    expect(first.resultType).toBe('input_required');
    const second = (
      await wire.call(
        'tools/call',
        call({ inputResponses: { user_name: accept('Bob') }, requestState: first.requestState }, noTasks),
      )
    ).result!;
    // Inline, the work's own ask is one more round trip (colour), its state carrying the name.
    expect(second).toMatchObject({ resultType: 'input_required', inputRequests: { colour: ASK_COLOUR } });
    const third = (
      await wire.call(
        'tools/call',
        call({ inputResponses: { colour: accept('red') }, requestState: second.requestState }, noTasks),
      )
    ).result!;
    expect(third).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Bob likes red (inline)' }],
    });
    expect(def.tasks.size).toBe(0);

    const required = modernWire(definition('required'), 'bob');
    expect((await required.call('tools/call', call({}, noTasks))).error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
  });

  it('on a 2025 session the same handler asks with elicitation/create and runs its work inline', async () => {
    const def = definition('optional');
    const wire = modernWire(def);
    const init = await wire.call('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: { elicitation: {} },
      clientInfo: { name: 'raw', version: '1' },
    });
    expect(init.result!.protocolVersion).toBe('2025-11-25');
    wire.session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answered = wire.call('tools/call', { name: 'greet_later', arguments: {} });
    // The server asks twice, each an elicitation/create request on the session: answer them as they come.
    const names = ['Carol', 'blue'];
    for (let round = 0; round < 2; round++) {
      const asked = await until(() => wire.sent.filter((m) => m.method === 'elicitation/create')[round]);
      wire.session.receive({ jsonrpc: '2.0', id: asked.id, result: accept(names[round]!) });
    }
    expect((await answered).result).toEqual({ content: [{ type: 'text', text: 'Carol likes blue (inline)' }] });
    expect(def.tasks.size).toBe(0);
  });

  it('a runAsTask work that throws completes the task with an isError result, as a handler throw would', async () => {
    const def = defineServer({ name: 'compose', version: '1.0.0' })
      .tool({
        name: 'breaks_later',
        task: 'required',
        taskStart: 'handler',
        handler: (_args, ctx) =>
          ctx.runAsTask(() => {
            throw new Error('work broke');
          }),
      })
      .build();
    const wire = modernWire(def, 'alice');
    const created = (await wire.call('tools/call', call({ name: 'breaks_later' }))).result!;
    expect(created.resultType).toBe('task');
    await reaches(def, created.taskId as string, 'completed');
    // A plain throw is the tool's failure to report (isError), as from a handler.
    expect(
      (await wire.call('tasks/get', { taskId: created.taskId, _meta: modernMeta(caps) })).result!.result,
    ).toMatchObject({ isError: true, content: [{ type: 'text', text: 'work broke' }] });
  });

  it('taskStart needs a task option and one of its two values', () => {
    const base = defineServer({ name: 'bad', version: '1' });
    expect(() => base.tool({ name: 'x', taskStart: 'handler', handler: () => ({ content: [] }) }).build()).toThrow(
      DefinitionError,
    );
    expect(() =>
      defineServer({ name: 'bad', version: '1' })
        .tool({ name: 'y', task: 'optional', taskStart: 'later' as never, handler: () => ({ content: [] }) })
        .build(),
    ).toThrow(DefinitionError);
  });
});

/** Waits (bounded, without timing assertions) until `read` gives a value. */
async function until<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 10_000; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('never came');
}
