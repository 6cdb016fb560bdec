import { isPlainObject } from '../jsonrpc/codec';
import { InvalidParamsError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { MissingRequiredClientCapabilityError } from '../protocol/errors';
import type { ModernRequestMeta } from './modern';
import type { ServedDefinition } from './served-definition';
import { declaresTasks, TASKS_REQUIRED } from './tasks';

/** At most this many task ids per subscription: a client cannot make one listen watch without bound. */
const MAX_TASK_IDS = 256;

/**
 * `notifications.taskIds` of a subscriptions/listen (tasks.md, "Task Status Notifications"):
 * undefined when the filter names none; otherwise the ids honoured (this principal's live
 * tasks) and the function that stops the notifications. Naming task ids without declaring
 * the extension is -32021.
 */
export function listenToTasks(
  definition: ServedDefinition,
  params: JsonObject,
  modern: ModernRequestMeta,
  principal: string,
  notify: (method: string, params: JsonObject) => void,
): { taskIds: string[]; stop: () => void } | undefined {
  const asked = isPlainObject(params.notifications) ? params.notifications.taskIds : undefined;
  if (asked === undefined) return undefined;
  if (!Array.isArray(asked) || asked.length > MAX_TASK_IDS || !asked.every((id) => typeof id === 'string'))
    throw new InvalidParamsError(`notifications.taskIds must be an array of at most ${MAX_TASK_IDS} task ids`);
  if (!declaresTasks(modern.clientCapabilities)) throw new MissingRequiredClientCapabilityError(TASKS_REQUIRED);
  const honoured = new Set<string>();
  for (const id of asked as string[]) {
    try {
      definition.tasks.get(principal, id);
      honoured.add(id);
    } catch {
      // unknown, expired or another client's: not honoured, and not told apart
    }
  }
  const stop =
    honoured.size === 0
      ? () => undefined
      : definition.tasks.onChange((task) => {
          if (task.principal === principal && honoured.has(task.taskId)) notify('notifications/tasks', task.detailed());
        });
  return { taskIds: [...honoured], stop };
}
