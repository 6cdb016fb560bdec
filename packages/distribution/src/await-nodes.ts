import { UnknownNodeError } from './errors';
import type { NodeEvent } from './dist-types';

/**
 * Resolves once `missing()` is empty, looking again at every node event `listeners` hears;
 * rejects with UnknownNodeError naming the missing nodes after `timeoutMs`. The main thread's
 * DistNode and a worker thread's API wait the same way over their own membership copies.
 */
export async function awaitNodes(
  listeners: Set<(event: NodeEvent) => void>,
  missing: () => string[],
  timeoutMs: number,
): Promise<void> {
  if (missing().length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new UnknownNodeError(missing().join(', ')));
    }, timeoutMs);
    const check = () => {
      if (missing().length > 0) return;
      clearTimeout(timer);
      listeners.delete(check);
      resolve();
    };
    listeners.add(check);
  });
}
