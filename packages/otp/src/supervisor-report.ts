import type { Runtime } from './runtime';

/** What a report needs of the node: its logger and its telemetry. */
type Reporter = Pick<Runtime<unknown>, 'logger' | 'events'>;
import type { Pid } from './pid';
import { formatReason, isNormalExit, type ExitReason } from './reason';

/** SASL-style supervisor reports: who died, why, and what the supervisor did. */
export function reportChildTerminated(
  node: Reporter,
  supervisor: Pid,
  childId: string,
  pid: Pid,
  reason: ExitReason,
): void {
  if (isNormalExit(reason)) {
    node.logger.debug(`supervisor ${supervisor}: child ${childId} (${pid}) exited: ${formatReason(reason)}`);
    return;
  }
  node.logger.error(`supervisor report: ${supervisor} child_terminated ${childId} (${pid}): ${formatReason(reason)}`, {
    supervisor,
    errorContext: 'child_terminated',
    reason: formatReason(reason),
    offender: { id: childId, pid },
  });
}

export function reportRestarted(
  node: Reporter,
  supervisor: Pid,
  childId: string,
  oldPid: Pid | undefined,
  newPid: Pid | undefined,
  reason: ExitReason,
): void {
  node.logger.info(`supervisor report: ${supervisor} restarted ${childId}: ${oldPid ?? '-'} -> ${newPid ?? 'ignore'}`, {
    supervisor,
    errorContext: 'restarted',
    offender: { id: childId, pid: newPid },
  });
  if (node.events.listenerCount('restart') > 0) {
    node.events.emit('restart', { supervisor, childId, oldPid, newPid, reason });
  }
}

export function reportStartError(
  node: Reporter,
  supervisor: Pid,
  childId: string,
  error: unknown,
  context: 'start_error' | 'restart_error',
): void {
  node.logger.error(
    `supervisor report: ${supervisor} ${context} ${childId}: ${error instanceof Error ? error.message : String(error)}`,
    {
      supervisor,
      errorContext: context,
      offender: { id: childId },
    },
  );
}

export function reportShutdownError(
  node: Reporter,
  supervisor: Pid,
  childId: string,
  pid: Pid,
  reason: ExitReason,
): void {
  node.logger.error(`supervisor report: ${supervisor} shutdown_error ${childId} (${pid}): ${formatReason(reason)}`, {
    supervisor,
    errorContext: 'shutdown_error',
    offender: { id: childId, pid },
  });
}

export function reportIntensity(
  node: Reporter,
  supervisor: Pid,
  restarts: number,
  intensity: number,
  periodSeconds: number,
): void {
  node.logger.error(
    `supervisor report: ${supervisor} reached_max_restart_intensity (${intensity} in ${periodSeconds}s): shutting down`,
    {
      supervisor,
      errorContext: 'shutdown',
      reason: 'reached_max_restart_intensity',
    },
  );
  if (node.events.listenerCount('intensity') > 0) {
    node.events.emit('intensity', { supervisor, restarts, intensity, periodSeconds });
  }
}
