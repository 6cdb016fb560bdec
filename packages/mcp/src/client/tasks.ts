import { isPlainObject } from '../jsonrpc/codec';
import { JsonRpcError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import {
  ProtocolViolationError,
  RequestCancelledError,
  TaskCancelledError,
  TaskExpiredError,
} from '../protocol/errors';
import type { RequestOptions } from '../protocol/peer';
import { expectResult } from '../protocol/results';
import type { InputRequest, InputRequests } from '../types/input-requests';
import type { CreateTaskResult, DetailedTask, TaskStatus } from '../types/tasks';
import type { CallToolResult } from '../types/tools';

// The client side of the tasks extension (ext-tasks specification/2026-07-28/tasks.md): reading
// what the server says of a task, and following one to its end by notifications/tasks or by
// polling tasks/get, answering its inputRequests with tasks/update on the way.

/** How a `tools/call` that declared the tasks extension was answered: at once, or as a task to follow. */
export type TaskCallOutcome = { kind: 'result'; result: CallToolResult } | { kind: 'task'; task: CreateTaskResult };

export interface WaitForTaskOptions {
  /**
   * Stops waiting: rejects with `RequestCancelledError`, closes the subscription, and sends
   * `tasks/cancel` unless `cancelOnAbort` is false.
   */
  signal?: AbortSignal;
  /** Default true. */
  cancelOnAbort?: boolean;
  /** Timeout of each `tasks/get` and `tasks/update` request, and of opening the subscription (the session's default otherwise). */
  timeoutMs?: number;
  /** Each state seen (polled or notified), in order. */
  onStatus?: (task: DetailedTask) => void;
  /** Between polls when the server suggests no `pollIntervalMs`; default 1000 ms. The server's value wins. */
  pollIntervalMs?: number;
  /**
   * Default true: follow the task by `notifications/tasks` on a `subscriptions/listen` naming
   * it, when the server honours that, polling only as a backstop (every ten poll intervals);
   * false, or a server that does not honour it: poll every `pollIntervalMs`.
   */
  notifications?: boolean;
}

/** A subscription's view of one task: the states the server notifies, as they come. */
export interface TaskWatch {
  /** The next notified state; undefined when none came within `ms`; 'ended' when the subscription ended. */
  next(ms: number, signal: AbortSignal | undefined): Promise<DetailedTask | undefined | 'ended'>;
  close(): void;
}

/** What the waiting loop needs of the client: extension-declaring requests, and its handlers for questions. */
export interface TaskRequester {
  request(
    method: 'tasks/get' | 'tasks/update' | 'tasks/cancel',
    params: JsonObject,
    options: RequestOptions,
  ): Promise<JsonObject>;
  answer(request: InputRequest, key: string, signal: AbortSignal | undefined): Promise<unknown>;
  /** Opens `notifications/tasks` for the task; undefined when the server does not honour it. */
  watch?(taskId: string, options: RequestOptions): Promise<TaskWatch | undefined>;
}

const STATUSES: ReadonlySet<string> = new Set<TaskStatus>([
  'working',
  'input_required',
  'completed',
  'failed',
  'cancelled',
]);

/** Checks the fields every task shape carries; a broken server yields a typed error. */
function checkTask(raw: JsonObject, method: string): void {
  expectResult(raw, method, { taskId: 'string', status: 'string', createdAt: 'string', lastUpdatedAt: 'string' });
  if (!STATUSES.has(raw.status as string))
    throw new ProtocolViolationError(`${method}: unknown task status ${String(raw.status)}`);
  if (raw.ttlMs !== null && typeof raw.ttlMs !== 'number')
    throw new ProtocolViolationError(`${method}: ttlMs must be a number or null`);
  if (raw.pollIntervalMs !== undefined && typeof raw.pollIntervalMs !== 'number')
    throw new ProtocolViolationError(`${method}: pollIntervalMs must be a number`);
}

/** A `tasks/get` answer (or a `notifications/tasks`), checked against the shape its status names. */
export function readDetailedTask(raw: JsonObject, method = 'tasks/get'): DetailedTask {
  checkTask(raw, method);
  switch (raw.status) {
    case 'input_required':
      if (!isPlainObject(raw.inputRequests))
        throw new ProtocolViolationError(`${method}: an input_required task lacks inputRequests`);
      break;
    case 'completed':
      expectResult(raw.result, `${method} (the task's result)`, { content: 'array' });
      break;
    case 'failed':
      if (!isPlainObject(raw.error) || typeof raw.error.code !== 'number' || typeof raw.error.message !== 'string')
        throw new ProtocolViolationError(`${method}: a failed task lacks its JSON-RPC error`);
      break;
  }
  return raw as unknown as DetailedTask;
}

/** A `tools/call` result: a task (`resultType: "task"`), or the tool's result itself. */
export function readTaskOutcome(raw: JsonObject): TaskCallOutcome {
  if (raw.resultType === 'task') {
    checkTask(raw, 'tools/call');
    return { kind: 'task', task: raw as unknown as CreateTaskResult };
  }
  expectResult(raw, 'tools/call', { content: 'array' });
  return { kind: 'result', result: raw as CallToolResult };
}

/** setTimeout's largest delay: a longer one would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** With notifications flowing, a poll every this many poll intervals still checks (a lost notification, a dropped stream). */
const BACKSTOP_INTERVALS = 10;

/**
 * Follows a task until it ends: its result when completed, the JSON-RPC error it failed with
 * (a `JsonRpcError`), `TaskCancelledError`, or `TaskExpiredError` when it is still unfinished
 * a poll interval past its `ttlMs`. The task's states come from `notifications/tasks` when
 * the client can watch it (a `subscriptions/listen` naming it, opened before the first
 * `tasks/get`, so no change is missed), with a backstop poll; otherwise from polling
 * `tasks/get` every `pollIntervalMs` (the server's, which may change as the task runs). A
 * question the task asks (`input_required`) is answered once per key through the client's
 * handlers, all of a state's new keys in one `tasks/update`.
 */
export async function waitForTask(
  client: TaskRequester,
  taskId: string,
  options: WaitForTaskOptions = {},
): Promise<CallToolResult> {
  const { signal } = options;
  const requestOptions: RequestOptions = { signal, timeoutMs: options.timeoutMs };
  const answered = new Set<string>();
  const poll = async (): Promise<DetailedTask> => {
    if (signal?.aborted) throw new RequestCancelledError('tasks/get', signal.reason);
    return readDetailedTask(await client.request('tasks/get', { taskId }, requestOptions));
  };
  let watch: TaskWatch | undefined;
  try {
    if (options.notifications !== false && client.watch !== undefined)
      watch = await client.watch(taskId, requestOptions).catch(() => undefined);
    let task = await poll();
    for (;;) {
      options.onStatus?.(task);
      if (task.status === 'completed') return task.result;
      if (task.status === 'failed')
        throw new JsonRpcError(task.error.code, task.error.message, { data: task.error.data });
      if (task.status === 'cancelled') throw new TaskCancelledError(taskId, task.statusMessage);
      if (task.status === 'input_required') {
        const fresh = Object.entries(task.inputRequests as InputRequests).filter(([key]) => !answered.has(key));
        if (fresh.length > 0) {
          const answers = await Promise.all(
            fresh.map(async ([key, request]) => [key, await client.answer(request, key, signal)] as const),
          );
          for (const [key] of fresh) answered.add(key);
          await client.request(
            'tasks/update',
            { taskId, inputResponses: Object.fromEntries(answers) as JsonObject },
            requestOptions,
          );
          task = await poll();
          continue;
        }
      }
      const interval = task.pollIntervalMs ?? options.pollIntervalMs ?? 1000;
      const left = timeLeft(task, interval);
      if (left <= 0) throw new TaskExpiredError(taskId);
      if (watch !== undefined) {
        const notified = await watch.next(Math.min(interval * BACKSTOP_INTERVALS, left), signal);
        if (notified === 'ended') watch = undefined;
        else if (notified !== undefined) {
          task = notified;
          continue;
        }
      } else {
        await sleep(Math.min(interval, left), signal);
      }
      task = await poll();
    }
  } catch (error) {
    if (signal?.aborted && options.cancelOnAbort !== false) {
      // Best effort: the server may have finished or dropped it meanwhile.
      client.request('tasks/cancel', { taskId }, { timeoutMs: options.timeoutMs }).catch(() => undefined);
    }
    throw error;
  } finally {
    watch?.close();
  }
}

/**
 * Until the task's `createdAt` + `ttlMs`, plus one poll interval of grace (the clocks of client
 * and server differ); Infinity when its ttlMs is null (unlimited) or its createdAt unreadable.
 */
function timeLeft(task: DetailedTask, interval: number): number {
  const created = Date.parse(task.createdAt);
  if (task.ttlMs === null || Number.isNaN(created)) return Infinity;
  return created + task.ttlMs + interval - Date.now();
}
