import { isPlainObject } from '../jsonrpc/codec';
import type { JsonObject, RequestId } from '../jsonrpc/types';
import type { SubscriptionFilter } from '../types/subscriptions';
import type { DetailedTask } from '../types/tasks';
import { readDetailedTask } from './tasks';

// The client end of subscriptions/listen (schema/2026-07-28/schema.ts: SubscriptionFilter,
// SubscriptionsListenRequest, SubscriptionsAcknowledgedNotification, SubscriptionsListenResult).
// One listen request is one subscription: the server acknowledges the part of the filter it
// honours, then sends the opted-in notifications tagged with the request's id, until the
// client closes it (closes the HTTP stream, or notifications/cancelled on stdio) or the
// server ends it (a SubscriptionsListenResult, or notifications/cancelled on stdio).

export const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';

/** A change notification delivered on a subscription. */
export type SubscriptionNotification =
  | { method: 'notifications/tools/list_changed' | 'notifications/prompts/list_changed' }
  | { method: 'notifications/resources/list_changed' }
  | { method: 'notifications/resources/updated'; uri: string }
  /** The tasks extension: the whole state of a task named in the filter's `taskIds`. */
  | { method: 'notifications/tasks'; task: DetailedTask };

/**
 * How a subscription ended: `'closed'` by this client, `'server'` when the server ended it
 * (a SubscriptionsListenResult, or notifications/cancelled on stdio), `'failed'` when the
 * request failed or the connection was lost.
 */
export type SubscriptionEnd = { reason: 'closed' } | { reason: 'server' } | { reason: 'failed'; error: Error };

export interface ListenOptions {
  /** Aborting it closes the subscription, like close(). */
  signal?: AbortSignal;
}

/** The methods a subscription may carry, as the filter names them. */
const CHANGE_METHODS: ReadonlySet<string> = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/tasks',
]);

/** The subscription id a notification's `_meta` names, if any. */
export function subscriptionIdOf(params: unknown): RequestId | undefined {
  if (!isPlainObject(params) || !isPlainObject(params._meta)) return undefined;
  const id = params._meta[SUBSCRIPTION_ID_KEY];
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The honoured filter of an acknowledgement; what the server sent, kept to the known fields. */
export function readHonoured(params: JsonObject | undefined): SubscriptionFilter {
  const raw = params?.notifications;
  const out: SubscriptionFilter = {};
  if (!isPlainObject(raw)) return out;
  if (raw.toolsListChanged === true) out.toolsListChanged = true;
  if (raw.promptsListChanged === true) out.promptsListChanged = true;
  if (raw.resourcesListChanged === true) out.resourcesListChanged = true;
  if (Array.isArray(raw.resourceSubscriptions))
    out.resourceSubscriptions = raw.resourceSubscriptions.filter((uri): uri is string => typeof uri === 'string');
  if (Array.isArray(raw.taskIds)) out.taskIds = raw.taskIds.filter((id): id is string => typeof id === 'string');
  return out;
}

/**
 * One open subscription. Iterate it (`for await`) or register `on(listener)`; either sees
 * every notification once. Notifications waiting to be read are coalesced: a list_changed
 * (or an update of one URI) already queued is not queued again, so a slow reader holds at
 * most one entry per kind and URI, and loses nothing it needs to re-read.
 */
export class Subscription implements AsyncIterable<SubscriptionNotification> {
  private readonly queue: SubscriptionNotification[] = [];
  private readonly listeners = new Set<(notification: SubscriptionNotification) => void>();
  private waiter: ((result: IteratorResult<SubscriptionNotification>) => void) | undefined;
  private endState: SubscriptionEnd | undefined;
  private resolveEnded!: (end: SubscriptionEnd) => void;
  /** Settles once, when the subscription ends for any reason. */
  readonly ended: Promise<SubscriptionEnd>;

  /** @internal */
  constructor(
    /** The JSON-RPC id of the listen request: every notification of this subscription carries it. */
    readonly id: RequestId,
    /** What the server agreed to send: the requested filter less what it cannot honour. */
    readonly honoured: SubscriptionFilter,
    private readonly closeHook: () => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get isOpen(): boolean {
    return this.endState === undefined;
  }

  /** Ends the subscription: the server stops sending (the stream is closed, or notifications/cancelled on stdio). */
  close(): void {
    if (this.endState !== undefined) return;
    this.finish({ reason: 'closed' });
    this.closeHook();
  }

  /** Called for every notification of this subscription; returns a function that removes it. */
  on(listener: (notification: SubscriptionNotification) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionNotification> {
    return {
      next: () => {
        const queued = this.queue.shift();
        if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
        if (this.endState !== undefined) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** @internal A notification whose `_meta` names this subscription. */
  deliver(method: string, params: JsonObject | undefined): void {
    if (this.endState !== undefined || !CHANGE_METHODS.has(method)) return;
    let notification: SubscriptionNotification;
    if (method === 'notifications/resources/updated') {
      if (typeof params?.uri !== 'string') return;
      notification = { method, uri: params.uri };
    } else if (method === 'notifications/tasks') {
      // A malformed state is dropped: tasks/get still tells the truth to whoever polls.
      try {
        const { _meta: _subscription, ...task } = params ?? {};
        notification = { method, task: readDetailedTask(task, method) };
      } catch {
        return;
      }
    } else {
      notification = { method } as SubscriptionNotification;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(notification);
      } catch {
        // A listener's failure is its own; the others and the iterator still get the notification.
      }
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter({ value: notification, done: false });
      return;
    }
    // A task's newer state replaces its queued one; other kinds queue once.
    const queued = this.queue.findIndex((entry) => sameNotification(entry, notification));
    if (queued < 0) this.queue.push(notification);
    else if (notification.method === 'notifications/tasks') this.queue[queued] = notification;
  }

  /** @internal The listen request settled (the server's result, an error, or the connection closed). */
  finish(end: SubscriptionEnd): void {
    if (this.endState !== undefined) return;
    this.endState = end;
    this.listeners.clear();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
    this.resolveEnded(end);
  }
}

function sameNotification(a: SubscriptionNotification, b: SubscriptionNotification): boolean {
  if (a.method === 'notifications/tasks' || b.method === 'notifications/tasks')
    return a.method === b.method && 'task' in a && 'task' in b && a.task.taskId === b.task.taskId;
  return a.method === b.method && ('uri' in a ? a.uri : undefined) === ('uri' in b ? b.uri : undefined);
}
