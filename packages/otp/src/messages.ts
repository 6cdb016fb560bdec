import type { ServerName } from './names';
import type { Pid, Ref } from './pid';
import type { ExitReason } from './reason';

/** {'EXIT', From, Reason}: an exit signal turned into a message because the receiver traps exits. */
export class ExitMessage {
  readonly type = 'EXIT' as const;
  constructor(
    readonly from: Pid,
    readonly reason: ExitReason,
  ) {}
}

/** {'DOWN', Ref, process, Pid, Reason}: a monitored process ended (or never existed: noproc). */
export class DownMessage {
  readonly type = 'DOWN' as const;
  constructor(
    readonly ref: Ref,
    /** The monitored pid, or the name that was monitored if no process had it. */
    readonly pid: Pid | ServerName,
    readonly reason: ExitReason,
  ) {}
}

/** What the runtime itself may put in a process's mailbox. */
export type SystemMessage = ExitMessage | DownMessage;
