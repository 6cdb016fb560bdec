import type { Pid } from './pid';
import type { ExitReason } from './reason';

/** gen_server's system message for stop/3; it crosses schedulers as an Op.Stop record. */
export class StopRequest {
  constructor(readonly reason: ExitReason) {}
}

/** init/1 for a server being started; `resolve` gets the pid or 'ignore'. */
export class InitRequest {
  constructor(
    readonly args: unknown,
    readonly resolve: (result: Pid | 'ignore') => void,
    readonly reject: (error: Error) => void,
  ) {}
}
