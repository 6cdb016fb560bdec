import { spawn } from 'node:child_process';

/** Opens a URL in the desktop's browser (xdg-open, open, start); false when none could be started. */
export function openInBrowser(url: string): Promise<boolean> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => resolve(false));
    child.on('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/** Whether an observer answers at `url` (GET, 200), within `timeoutMs`. */
export async function observerAnswers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(new URL('snapshot', url.endsWith('/') ? url : `${url}/`), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
