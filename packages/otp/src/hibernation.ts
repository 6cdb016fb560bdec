/**
 * What hibernation does to a process's own storage in Node, where there is no per-process
 * heap to collect (erlang:hibernate/3 does that): the mailbox's ring buffer, which grows with
 * a burst and never shrinks on its own, is cut down to what is queued. A behaviour sheds its
 * own caches first (GenServer: the definition's hibernate hook, idle sys bookkeeping).
 */
import type { ProcessContext } from './context';
import { processOf } from './process';

/** Shrinks the calling process's mailbox storage in place; returns the slots it now has. */
export function shed(ctx: ProcessContext): number {
  const mailbox = processOf(ctx).mailbox;
  if (mailbox === null) return 0;
  mailbox.compact();
  return mailbox.capacity;
}

/** The slots a process's mailbox buffer has (0 before its first message), for sys.getStatus. */
export function mailboxSlots(ctx: ProcessContext): number {
  return processOf(ctx).mailbox?.capacity ?? 0;
}
