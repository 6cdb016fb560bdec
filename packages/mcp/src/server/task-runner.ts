import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError, MethodNotFoundError } from '../jsonrpc/errors';
import type { JsonObject, RequestId } from '../jsonrpc/types';
import { MissingRequiredClientCapabilityError, SessionStateError } from '../protocol/errors';
import { MODERN_BASELINE } from '../protocol/versions';
import type { Meta } from '../types/base';
import type { InputRequests, InputRequiredResult } from '../types/input-requests';
import type { AskOutcome, RequestContext, ServerSessionHandle } from './context';
import type { HandleScope } from './handles';
import { missingCapabilities, type ModernRequestMeta, modernResult } from './modern';
import type { ServedDefinition } from './served-definition';
import { declaresTasks, type Task, TASKS_REQUIRED } from './tasks';
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
  // A retry of a multi round-trip exchange is answered inline: the exchange ends before a task starts.
  if (params.inputResponses !== undefined || params.requestState !== undefined) return undefined;
  const task = definition.tasks.create(principal);
  if (task === undefined) {
    if (mode === 'required') throw new InternalError('Too many tasks for this client: let some finish first');
    return undefined;
  }
  const ctx = new TaskHandlerContext(task, requestId, params._meta as Meta | undefined, modern, definition, principal);
  // Run on a later turn: the CreateTaskResult goes out first, and tasks/get already finds the task.
  void Promise.resolve()
    .then(() => definition.tools.call(params, ctx, MODERN_BASELINE))
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

  constructor(
    readonly task: Task,
    readonly requestId: RequestId,
    readonly meta: Meta | undefined,
    readonly modern: ModernRequestMeta,
    definition: ServedDefinition,
    principal: string,
  ) {
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
    const missing = missingCapabilities(requests, this.modern.clientCapabilities);
    if (missing !== undefined) return Promise.reject(new MissingRequiredClientCapabilityError(missing));
    return this.task.ask(requests).then((responses) => ({ status: 'answered', responses }));
  };

  readonly progress = (progress: number, total?: number, message?: string): void => {
    const of = total === undefined ? '' : `/${total}`;
    this.task.setStatusMessage(message ?? `${progress}${of}`);
  };

  readonly closeSseStream = (): void => undefined;

  readonly log = (): void => undefined;
}
