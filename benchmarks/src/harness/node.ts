import { Node, spawn, type ProcessContext } from '@erlmcp/otp';
import { mixedNode } from './mixed/app';

/**
 * Runs `fn` on a fresh silent node with `schedulers` schedulers, stopped afterwards. In the
 * mixed mode it runs on the mixed application's node instead (one scheduler), left running.
 */
export async function onNode<T>(schedulers: number, fn: () => Promise<T>): Promise<T> {
  if (mixedNode() !== undefined) {
    if (schedulers !== 1) throw new Error(`the mixed application runs on one scheduler, not ${schedulers}`);
    return fn();
  }
  const node = Node.start({ logLevel: 'silent', schedulers });
  try {
    return await fn();
  } finally {
    await node.stop();
  }
}

/** Runs `body` as a process on the calling scheduler and resolves with what it returns. */
export function inProcess<T>(body: (ctx: ProcessContext) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    spawn(async (ctx) => {
      try {
        resolve(await body(ctx));
      } catch (error) {
        reject(error);
      }
    });
  });
}
