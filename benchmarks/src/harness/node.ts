import { Node, spawn, type ProcessContext } from '@erlmcp/otp';

/** Runs `fn` on a fresh silent node with `schedulers` schedulers, stopped afterwards. */
export async function onNode<T>(schedulers: number, fn: () => Promise<T>): Promise<T> {
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
