import { randomBytes } from 'node:crypto';
import { isPlainObject } from '../jsonrpc/codec';
import { InvalidParamsError, JsonRpcError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { DefinitionError, SessionStateError } from '../protocol/errors';
import type { InputRequest, InputRequests } from '../types/input-requests';
import { checkedIdPrefix, frontDoorPrefix } from './front-door-prefix';

// The tasks extension (io.modelcontextprotocol/tasks, ext-tasks specification/2026-07-28/tasks.md,
// SEP-2663): a tools/call may be answered with a task handle (resultType "task") that the client
// polls with tasks/get, feeds with tasks/update, and ends with tasks/cancel. Task creation is the
// server's choice, per request, and only for a request declaring the extension.

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** Options of a definition's task store. */
export interface TaskStoreOptions {
  /** `ttlMs` of each task, from its creation: past it the task is discarded. Default 1 hour. */
  ttlMs?: number;
  /** The `pollIntervalMs` suggested to clients. Default 1000. */
  pollIntervalMs?: number;
  /**
   * Tasks one principal may hold. At the bound its oldest finished task is dropped; when none
   * has finished, no task is created: an `optional` task tool then answers inline, a
   * `required` one with -32603. Default 64.
   */
  maxPerClient?: number;
  /** Tasks of all principals together; past it no task is created (as for a full share). Default 10,000. */
  maxTasks?: number;
}

/** What a task-run handler sees of its task (`ctx.task`). */
export interface TaskHandle {
  readonly taskId: string;
  /** Sets the task's `statusMessage`, which `tasks/get` shows. */
  setStatusMessage(message: string): void;
}

type Listener = (task: Task) => void;

/** One task; its fields change as it runs. Only its store and its runner touch it. */
export class Task implements TaskHandle {
  status: TaskStatus = 'working';
  statusMessage: string | undefined;
  lastUpdatedAt: number;
  result: JsonObject | undefined;
  error: JsonObject | undefined;
  readonly abort = new AbortController();
  /** Outstanding questions, by key; each resolves with the client's answer. */
  private readonly pending = new Map<string, { request: InputRequest; answer: (value: unknown) => void }>();
  /** Every key ever asked: keys are unique over a task's lifetime (tasks.md, "Task Update Requests"). */
  private readonly asked = new Set<string>();

  constructor(
    readonly taskId: string,
    readonly principal: string,
    readonly createdAt: number,
    readonly ttlMs: number,
    readonly pollIntervalMs: number,
    private readonly changed: (task: Task) => void,
  ) {
    this.lastUpdatedAt = createdAt;
  }

  get terminal(): boolean {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'cancelled';
  }

  setStatusMessage(message: string): void {
    if (this.terminal) return;
    this.statusMessage = message;
    this.touch();
  }

  /** The handler asks: the task goes to input_required until every key is answered by tasks/update. */
  ask(requests: InputRequests): Promise<Record<string, unknown>> {
    if (this.terminal) return Promise.reject(new SessionStateError(`task ${this.taskId} has ended`));
    const keys = Object.keys(requests);
    if (keys.length === 0) return Promise.resolve({});
    for (const key of keys)
      if (this.asked.has(key))
        return Promise.reject(new SessionStateError(`input key "${key}" was already used in this task`));
    const answers: Record<string, unknown> = {};
    const all = Promise.all(
      keys.map(
        (key) =>
          new Promise<void>((resolve) => {
            this.asked.add(key);
            this.pending.set(key, {
              request: requests[key]!,
              answer: (value) => {
                answers[key] = value;
                resolve();
              },
            });
          }),
      ),
    );
    this.status = 'input_required';
    this.touch();
    // A cancelled or expired task never gets its answers: the handler's await ends with an abort.
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new SessionStateError(`task ${this.taskId} was cancelled`));
      if (this.abort.signal.aborted) fail();
      else this.abort.signal.addEventListener('abort', fail, { once: true });
    });
    return Promise.race([all.then(() => answers), aborted]);
  }

  /** tasks/update: answers to outstanding keys; others are ignored, as the extension asks. */
  answer(responses: JsonObject): void {
    for (const [key, value] of Object.entries(responses)) {
      const pending = this.pending.get(key);
      if (pending === undefined) continue;
      this.pending.delete(key);
      pending.answer(value);
    }
    if (this.status === 'input_required' && this.pending.size === 0) this.status = 'working';
    this.touch();
  }

  complete(result: JsonObject): void {
    if (this.terminal) return;
    this.status = 'completed';
    this.result = result;
    this.finish();
  }

  fail(error: unknown): void {
    if (this.terminal) return;
    const rpc = error instanceof JsonRpcError ? error : undefined;
    this.status = 'failed';
    this.error = { code: rpc?.code ?? -32603, message: rpc?.message ?? 'Internal error' };
    if (rpc?.data !== undefined) this.error.data = rpc.data as JsonObject;
    this.statusMessage = rpc?.message ?? (error instanceof Error ? error.message : 'Internal error');
    this.finish();
  }

  cancel(): void {
    if (this.terminal) return;
    this.status = 'cancelled';
    this.statusMessage = 'Cancelled by the client';
    this.finish();
    this.abort.abort();
  }

  /** `DetailedTask` of tasks.md: the Task fields plus what its status carries. */
  detailed(): JsonObject {
    const out: JsonObject = {
      taskId: this.taskId,
      status: this.status,
      createdAt: new Date(this.createdAt).toISOString(),
      lastUpdatedAt: new Date(this.lastUpdatedAt).toISOString(),
      ttlMs: this.ttlMs,
      pollIntervalMs: this.pollIntervalMs,
    };
    if (this.statusMessage !== undefined) out.statusMessage = this.statusMessage;
    if (this.status === 'input_required') {
      const requests: JsonObject = {};
      for (const [key, { request }] of this.pending) requests[key] = request as unknown as JsonObject;
      out.inputRequests = requests;
    }
    if (this.status === 'completed' && this.result !== undefined) out.result = this.result;
    if (this.status === 'failed' && this.error !== undefined) out.error = this.error;
    return out;
  }

  private finish(): void {
    this.pending.clear();
    this.touch();
  }

  private touch(): void {
    this.lastUpdatedAt = Math.max(Date.now(), this.lastUpdatedAt);
    this.changed(this);
  }
}

/** The tasks of one definition, in memory and bounded per principal. */
export class TaskStore {
  private idPrefix = frontDoorPrefix();
  private readonly tasks = new Map<string, Task>();
  private readonly byPrincipal = new Map<string, Set<string>>();
  private readonly listeners = new Set<Listener>();
  private sweeper: NodeJS.Timeout | undefined;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
  readonly maxPerClient: number;
  readonly maxTasks: number;

  constructor(options: TaskStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60 * 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxPerClient = options.maxPerClient ?? 64;
    this.maxTasks = options.maxTasks ?? 10_000;
    for (const [name, value] of [
      ['maxTasks', this.maxTasks],
      ['ttlMs', this.ttlMs],
      ['pollIntervalMs', this.pollIntervalMs],
      ['maxPerClient', this.maxPerClient],
    ] as const) {
      if (!Number.isSafeInteger(value) || value <= 0)
        throw new DefinitionError(`tasks.${name} must be a positive integer`);
    }
  }

  /** Task ids made from now on start with `prefix` (`<owner>.`): a host across machines routes `tasks/*` by it. */
  setIdPrefix(prefix: string): void {
    this.idPrefix = checkedIdPrefix(prefix);
  }

  /** Tasks held, all principals. */
  get size(): number {
    return this.tasks.size;
  }

  /** A new working task for `principal`, or undefined when its share is full of running tasks. */
  create(principal: string, now = Date.now()): Task | undefined {
    this.sweep(now);
    let owned = this.byPrincipal.get(principal);
    if (owned === undefined) this.byPrincipal.set(principal, (owned = new Set()));
    // At its share, or with the store full: only this principal's oldest finished task makes room.
    if (owned.size >= this.maxPerClient || this.tasks.size >= this.maxTasks) {
      const finished = [...owned].find((id) => this.tasks.get(id)!.terminal);
      if (finished === undefined) {
        if (owned.size === 0) this.byPrincipal.delete(principal);
        return undefined;
      }
      this.drop(this.tasks.get(finished)!);
    }
    // 128 random bits: a task id is a bearer reference (tasks.md, "Task ID unguessability").
    const task = new Task(
      this.idPrefix + randomBytes(16).toString('base64url'),
      principal,
      now,
      this.ttlMs,
      this.pollIntervalMs,
      (t) => this.emit(t),
    );
    this.tasks.set(task.taskId, task);
    // drop() forgets a principal whose set empties: register the set again.
    this.byPrincipal.set(principal, owned.add(task.taskId));
    this.sweeper ??= setInterval(() => this.sweep(Date.now()), Math.min(this.ttlMs, 60_000)).unref();
    return task;
  }

  /**
   * The task `taskId` of `principal`. Unknown, expired, or another principal's: -32602 (tasks.md,
   * "Protocol Errors"), the same error, so nobody learns of another client's task.
   */
  get(principal: string, taskId: unknown, now = Date.now()): Task {
    if (typeof taskId !== 'string') throw new InvalidParamsError('taskId must be a string');
    const task = this.tasks.get(taskId);
    if (task === undefined || task.principal !== principal)
      throw new InvalidParamsError('Failed to retrieve task: Task not found');
    if (task.createdAt + task.ttlMs <= now) {
      this.expire(task);
      throw new InvalidParamsError('Failed to retrieve task: Task has expired');
    }
    return task;
  }

  /** Cancels and drops every task of `principal` (a session that ended: its principal cannot come back). */
  forget(principal: string): void {
    for (const id of [...(this.byPrincipal.get(principal) ?? [])]) this.expire(this.tasks.get(id)!);
  }

  /** Told of every change of every task (notifications/tasks on subscriptions/listen). */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels every running task and forgets them all (the server is stopping). */
  clear(): void {
    for (const task of [...this.tasks.values()]) this.expire(task);
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Drops tasks past their TTL; a running one is aborted first. */
  sweep(now: number): void {
    for (const task of this.tasks.values()) if (task.createdAt + task.ttlMs <= now) this.expire(task);
    if (this.tasks.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private expire(task: Task): void {
    task.abort.abort();
    this.drop(task);
  }

  private drop(task: Task): void {
    this.tasks.delete(task.taskId);
    const owned = this.byPrincipal.get(task.principal);
    owned?.delete(task.taskId);
    if (owned?.size === 0) this.byPrincipal.delete(task.principal);
  }

  private emit(task: Task): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(task);
      } catch {
        // a listener's fault is its own; the task goes on
      }
    }
  }
}

/**
 * The CreateTaskResults `ctx.runAsTask` made. A handler returning one of these is answered
 * with it as it is; any other object is checked (output schema, content) as a tool result.
 */
const createdTasks = new WeakSet<object>();

export function markCreatedTask<T extends object>(result: T): T {
  createdTasks.add(result);
  return result;
}

export function isCreatedTask(value: unknown): boolean {
  return typeof value === 'object' && value !== null && createdTasks.has(value);
}

/** True when a request's capabilities declare the tasks extension. */
export function declaresTasks(capabilities: unknown): boolean {
  return (
    isPlainObject(capabilities) && isPlainObject(capabilities.extensions) && TASKS_EXTENSION in capabilities.extensions
  );
}

/** `requiredCapabilities` of the -32021 a request without the extension gets. */
export const TASKS_REQUIRED = { extensions: { [TASKS_EXTENSION]: {} } } as const;
