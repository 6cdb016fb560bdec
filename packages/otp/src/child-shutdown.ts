import type { RestartType, Shutdown } from './child-spec';
import { clearTimer, setTimer, type Timer } from './long-timeout';
import type { Pid } from './pid';
import type { Process } from './process';
import type { ExitReason } from './reason';

/**
 * OTP's supervisor shutdown of one child: unlink, then 'kill' for
 * brutal_kill, else 'shutdown' and wait (up to the timeout, after which the
 * child is killed). Resolves with the reason the child exited with.
 */
export async function shutdownChild(supervisor: Process, pid: Pid, shutdown: Shutdown): Promise<ExitReason> {
  const node = supervisor.node;
  const exited = node.awaitExit(pid);
  supervisor.unlink(pid);
  if (shutdown === 'brutal_kill') {
    node.exit(pid, 'kill', supervisor.self);
    return exited;
  }
  node.exit(pid, 'shutdown', supervisor.self);
  if (shutdown === 'infinity') return exited;
  let timer: Timer | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimer(() => resolve('timeout'), shutdown);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimer(timer);
  if (outcome !== 'timeout') return outcome;
  node.exit(pid, 'kill', supervisor.self);
  return exited;
}

/**
 * The reasons that mean a shutdown went as asked; anything else is a shutdown_error, as in
 * OTP: 'killed' after the timeout (terminate took too long) is one, and 'normal' is one
 * for a permanent child only.
 */
export function isExpectedShutdown(shutdown: Shutdown, restart: RestartType, reason: ExitReason): boolean {
  if (reason === 'noproc') return true;
  if (reason === 'normal' && restart !== 'permanent') return true;
  return reason === (shutdown === 'brutal_kill' ? 'killed' : 'shutdown');
}
