import type { ChildProcess } from 'node:child_process';

/** Ends a node process the way the cluster bench's nodes expect (stdin closed: they leave the cluster and exit), killing it after 10 s. */
export async function endNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
