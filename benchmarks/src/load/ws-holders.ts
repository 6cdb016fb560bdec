import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { WsHolderCalled, WsHolderOpened, WsHolderOptions } from './ws-holder-child';

/** WebSocket sessions opened and held by several load-generator processes (ws-holder-child.ts). */
export interface WsHolders {
  /** Every holder's report once all its sessions are open (or failed to). */
  opened: WsHolderOpened[];
  /** One tools/call on every held session, checked; each holder's counts. */
  call(): Promise<WsHolderCalled[]>;
  /** Closes every connection and ends the processes. */
  close(): Promise<void>;
}

function next<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>): void => {
      if (!(key in message)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message[key] as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`a WebSocket holder exited (${String(code)})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Forks one holder per entry of `plans` and waits until each has opened its sessions;
 * `onProgress` is told the total opened so far, every 1,000 per holder.
 */
export async function openWsHolders(
  plans: readonly WsHolderOptions[],
  onProgress?: (opened: number) => void,
): Promise<WsHolders> {
  const children = plans.map((plan) =>
    fork(path.join(__dirname, 'ws-holder-child.js'), [JSON.stringify(plan)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const progress = new Array<number>(children.length).fill(0);
  children.forEach((child, i) =>
    child.on('message', (message: { progress?: number }) => {
      if (message.progress === undefined) return;
      progress[i] = message.progress;
      onProgress?.(progress.reduce((a, b) => a + b, 0));
    }),
  );
  const close = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (child.connected) child.send({ cmd: 'close' });
            else child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    const opened = await Promise.all(children.map((child) => next<WsHolderOpened>(child, 'opened')));
    return {
      opened,
      call: () =>
        Promise.all(
          children.map((child) => {
            const called = next<WsHolderCalled>(child, 'called');
            child.send({ cmd: 'call' });
            return called;
          }),
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
