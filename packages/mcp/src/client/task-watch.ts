import type { RequestOptions } from '../protocol/peer';
import type { DetailedTask } from '../types/tasks';
import type { Subscription, SubscriptionNotification } from './subscription';
import { MAX_TIMER_MS, type TaskWatch } from './tasks';

// waitForTask's push path: a subscriptions/listen naming one task (tasks.md, "Task Status
// Notifications"), read as that task's states.

/**
 * Opens the subscription with `open` and keeps it when the server honours the task id; closes
 * it and gives undefined when it does not, or when it fails or is not acknowledged within
 * `options.timeoutMs` (10 s by default): the caller then polls.
 */
export async function openTaskWatch(
  taskId: string,
  options: RequestOptions,
  open: (signal: AbortSignal) => Promise<Subscription>,
): Promise<TaskWatch | undefined> {
  const local = new AbortController();
  const stop = (): void => local.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, Math.min(options.timeoutMs ?? 10_000, MAX_TIMER_MS));
  let subscription: Subscription;
  try {
    subscription = await open(local.signal);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
  if (!subscription.honoured.taskIds?.includes(taskId)) {
    subscription.close();
    return undefined;
  }
  return watchOf(subscription, taskId);
}

/** One task's states out of a subscription's notifications; other notifications are skipped. */
function watchOf(subscription: Subscription, taskId: string): TaskWatch {
  const iterator = subscription[Symbol.asyncIterator]();
  // One read outstanding at a time: a read that outlived its wait is taken up by the next wait.
  let pending: Promise<IteratorResult<SubscriptionNotification>> | undefined;
  return {
    async next(ms, signal) {
      for (;;) {
        pending ??= iterator.next();
        const outcome = await within(pending, ms, signal);
        if (outcome === undefined) return undefined;
        pending = undefined;
        if (outcome.done === true) return 'ended';
        const notification = outcome.value;
        if (notification.method === 'notifications/tasks' && notification.task.taskId === taskId)
          return notification.task as DetailedTask;
      }
    },
    close: () => subscription.close(),
  };
}

/** `promise`'s value, or undefined when `ms` pass or `signal` aborts first. */
function within<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve(undefined);
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener('abort', done, { once: true });
    promise.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        reject(error as Error);
      },
    );
  });
}
