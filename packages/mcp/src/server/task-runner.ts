import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError, MethodNotFoundError } from '../jsonrpc/errors';
import type { JsonObject, RequestId } from '../jsonrpc/types';
import { MissingRequiredClientCapabilityError, SessionStateError } from '../protocol/errors';
import { MODERN_BASELINE } from '../protocol/versions';
import type { Meta } from '../types/base';
import type { InputRequests, InputRequiredResult } from '../types/input-requests';
import type { CreateTaskResult } from '../types/tasks';
import type { AskOutcome, RequestContext, ServerSessionHandle } from './context';
import type { HandleScope } from './handles';
import { missingCapabilities, type ModernRequestMeta, modernResult } from './modern';
import type { ServedDefinition } from './served-definition';
import { declaresTasks, markCreatedTask, type Task, TASKS_REQUIRED } from './tasks';
import { readTraceContext, type TraceContext } from './trace-context';

// The server side of the tasks extension: which tools/call becomes a task, running it apart
// from the request that started it, and tasks/get, tasks/update and tasks/cancel.

/** How a tool runs as a task (the `task` option of a tool definition). */
export type ToolTaskMode = 'optional' | 'required';

/**
 * A task for this tools/call, started, when the tool runs as one and the request allows it;
 * undefined to answer it inline. A `required` tool whose request lacks the extension is
 * -32021 with the extension in `requiredCapabilities`.
 */
export function maybeStartTask(
  definition: ServedDefinition,
  params: JsonObject,
  modern: ModernRequestMeta,
  principal: string,
  requestId: RequestId,
): JsonObject | undefined {
  const name = params.name;
  if (typeof name !== 'string') return undefined;
  const mode = definition.tools.taskMode(name);
  if (mode === undefined) return undefined;
  if (!declaresTasks(modern.clientCapabilities)) {
    if (mode === 'required') throw new MissingRequiredClientCapabilityError(TASKS_REQUIRED);
    return undefined;
  }
  // The handler starts the task itself (ctx.runAsTask), after any multi round-trip exchange.
  if (definition.tools.taskStart(name) === 'handler') return undefined;
  // A retry of a multi round-trip exchange is answered inline: the exchange ends before a task starts.
  if (params.inputResponses !== undefined || params.requestState !== undefined) return undefined;
  const task = definition.tasks.create(principal);
  if (task === undefined) {
    if (mode === 'required') throw new InternalError(TOO_MANY_TASKS);
    return undefined;
  }
  const ctx = new TaskHandlerContext(task, requestId, params._meta as Meta | undefined, modern, definition, principal);
  return startWork(task, definition, () => definition.tools.call(params, ctx, MODERN_BASELINE));
}

const TOO_MANY_TASKS = 'Too many tasks for this client: let some finish first';

/**
 * `ctx.runAsTask` of a request's handler: a task when this tools/call may become one, `work`
 * inline otherwise (see RequestContext.runAsTask). `known`: the answers the request's multi
 * round-trip exchange gathered, which the task's `ask` does not ask again.
 */
export function runAsTask<R extends object>(
  ctx: RequestContext,
  definition: ServedDefinition,
  principal: string,
  params: JsonObject,
  known: Readonly<Record<string, unknown>>,
  work: (ctx: RequestContext) => R | PromiseLike<R>,
): Promise<R | CreateTaskResult> {
  const { modern } = ctx;
  const name = params.name;
  if (modern === undefined || ctx.method !== 'tools/call' || typeof name !== 'string') return inline(work, ctx);
  const mode = definition.tools.taskMode(name);
  if (mode === undefined || !declaresTasks(modern.clientCapabilities)) return inline(work, ctx);
  const task = definition.tasks.create(principal);
  if (task === undefined) {
    if (mode === 'required') return Promise.reject(new InternalError(TOO_MANY_TASKS));
    return inline(work, ctx);
  }
  const earlier = { inputResponses: ctx.inputResponses, requestState: ctx.requestState, known };
  const taskCtx = new TaskHandlerContext(task, ctx.requestId, ctx.meta, modern, definition, principal, earlier);
  const created = startWork(task, definition, () =>
    definition.tools.settle(name, () => work(taskCtx), MODERN_BASELINE),
  );
  // Marked: the tool's result pipeline passes it through instead of checking it as a CallToolResult.
  return Promise.resolve(markCreatedTask(created) as CreateTaskResult);
}

/** `work` with this ctx, its throw a rejection. */
function inline<R>(work: (ctx: RequestContext) => R | PromiseLike<R>, ctx: RequestContext): Promise<R> {
  try {
    return Promise.resolve(work(ctx));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * Runs a task's work on a later turn (the CreateTaskResult goes out first, and tasks/get
 * already finds the task), completing or failing the task with its outcome; returns the
 * CreateTaskResult.
 */
function startWork(task: Task, definition: ServedDefinition, run: () => unknown): JsonObject {
  void Promise.resolve()
    .then(run)
    .then(
      (result) => {
        if (!task.abort.signal.aborted)
          task.complete(modernResult(result, 'tools/call', definition.info, definition.cacheHint) as JsonObject);
      },
      (error: unknown) => {
        if (!task.abort.signal.aborted) task.fail(error);
      },
    );
  return { resultType: 'task', ...task.detailed() };
}

/** tasks/get, tasks/update, tasks/cancel; any other tasks/ method is unknown (tasks/list and tasks/result are gone). */
export function taskRequest(
  definition: ServedDefinition,
  method: string,
  params: JsonObject,
  modern: ModernRequestMeta,
  principal: string,
): JsonObject {
  if (!definition.tools.hasTaskTools) throw new MethodNotFoundError(`Method not found: ${method}`);
  if (method !== 'tasks/get' && method !== 'tasks/update' && method !== 'tasks/cancel')
    throw new MethodNotFoundError(`Method not found: ${method}`);
  // tasks.md, "Protocol Errors": a request not declaring the extension is -32021.
  if (!declaresTasks(modern.clientCapabilities)) throw new MissingRequiredClientCapabilityError(TASKS_REQUIRED);
  const task = definition.tasks.get(principal, params.taskId);
  switch (method) {
    case 'tasks/get':
      return task.detailed();
    case 'tasks/update': {
      const responses = params.inputResponses;
      if (!isPlainObject(responses)) throw new InvalidParamsError('tasks/update needs an inputResponses object');
      task.answer(responses);
      return {};
    }
    case 'tasks/cancel':
      task.cancel();
      return {};
  }
}

/**
 * A task's `ctx`: the request's era and capabilities, the task's own abort signal (tasks/cancel,
 * expiry), and no stream: progress becomes the task's statusMessage, log messages are not sent
 * (tasks.md: not supported on tasks), and questions go through the task (`ask`).
 */
class TaskHandlerContext implements RequestContext {
  readonly method = 'tools/call';
  readonly trace: TraceContext | undefined;
  readonly handles: HandleScope;
  readonly session: ServerSessionHandle;

  readonly inputResponses: Readonly<Record<string, unknown>> | undefined;
  readonly requestState: unknown;
  /** Answers the request's multi round-trip exchange gathered before the task began. */
  private readonly known: Readonly<Record<string, unknown>>;

  constructor(
    readonly task: Task,
    readonly requestId: RequestId,
    readonly meta: Meta | undefined,
    readonly modern: ModernRequestMeta,
    definition: ServedDefinition,
    principal: string,
    earlier?: {
      inputResponses: Readonly<Record<string, unknown>> | undefined;
      requestState: unknown;
      known: Readonly<Record<string, unknown>>;
    },
  ) {
    this.inputResponses = earlier?.inputResponses;
    this.requestState = earlier?.requestState;
    this.known = earlier?.known ?? {};
    this.trace = readTraceContext(meta);
    this.handles = definition.handles.scope(principal);
    const none = (what: string): Promise<never> =>
      Promise.reject(new SessionStateError(`${what} cannot be sent from a task: use ctx.ask`));
    this.session = {
      id: task.taskId,
      protocolVersion: undefined,
      clientInfo: modern.clientInfo,
      clientCapabilities: modern.clientCapabilities,
      createMessage: () => none('sampling/createMessage'),
      elicit: () => none('elicitation/create'),
      listRoots: () => none('roots/list'),
      ping: () => none('ping'),
      log: () => undefined,
    };
  }

  get signal(): AbortSignal {
    return this.task.abort.signal;
  }

  // Properties, not methods: `const { ask, progress } = ctx` works as on any ctx.
  readonly inputRequired = (): InputRequiredResult => {
    throw new SessionStateError('a task asks with ctx.ask (tasks/update answers), not inputRequired');
  };

  readonly ask = (requests: InputRequests): Promise<AskOutcome> => {
    // Keys answered before the task began are not asked again (a key names one question).
    const answered: Record<string, unknown> = {};
    const open: InputRequests = {};
    for (const [key, request] of Object.entries(requests)) {
      if (key in this.known) answered[key] = this.known[key];
      else open[key] = request;
    }
    const missing = missingCapabilities(open, this.modern.clientCapabilities);
    if (missing !== undefined) return Promise.reject(new MissingRequiredClientCapabilityError(missing));
    return this.task.ask(open).then((responses) => ({ status: 'answered', responses: { ...answered, ...responses } }));
  };

  /** Already in a task: `work` runs here, in it. */
  readonly runAsTask = <R extends object>(work: (ctx: RequestContext) => R | PromiseLike<R>): Promise<R> =>
    inline(work, this);

  readonly progress = (progress: number, total?: number, message?: string): void => {
    const of = total === undefined ? '' : `/${total}`;
    this.task.setStatusMessage(message ?? `${progress}${of}`);
  };

  readonly closeSseStream = (): void => undefined;

  readonly log = (): void => undefined;
}
