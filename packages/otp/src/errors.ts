import type { Pid } from './pid';
import { formatReason, type ExitReason } from './reason';

/** Base class of every error the runtime raises; `code` is stable for matching. */
export class OtpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The target process does not exist, or the name is not registered. */
export class NoProcError extends OtpError {
  constructor(readonly target: string) {
    super('noproc', `no process: ${target}`);
  }
}

/** A call got no reply within its timeout. A late reply is dropped. */
export class CallTimeoutError extends OtpError {
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super('timeout', `call to ${target} timed out after ${timeoutMs} ms`);
  }
}

/** The server exited before replying to the call. */
export class CallExitError extends OtpError {
  constructor(
    readonly target: string,
    readonly reason: ExitReason,
  ) {
    super('exit', `${target} exited during call: ${formatReason(reason)}`);
  }
}

export class AlreadyRegisteredError extends OtpError {
  constructor(
    readonly registeredName: string,
    readonly holder: Pid | undefined,
  ) {
    super('already_registered', `name ${registeredName} is already registered${holder ? ` to ${holder}` : ''}`);
  }
}

/** start/startLink with a name that a live process holds: OTP's {already_started, Pid}. */
export class AlreadyStartedError extends OtpError {
  constructor(
    readonly serverName: string,
    readonly pid: Pid | undefined,
  ) {
    super('already_started', `${serverName} is already started${pid ? ` as ${pid}` : ''}`);
  }
}

/** init/1 stopped, threw, or the start otherwise failed. */
export class StartError extends OtpError {
  constructor(readonly reason: ExitReason) {
    super('start_failed', `start failed: ${formatReason(reason)}`);
  }
}

export class InvalidChildSpecError extends OtpError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super('invalid_child_spec', `invalid child spec: ${field}: ${detail}`);
  }
}

export class DuplicateChildError extends OtpError {
  constructor(readonly childId: string) {
    super('already_present', `duplicate child id: ${childId}`);
  }
}

/** Supervisor operations on a child id the supervisor does not know, or in the wrong state. */
export class ChildError extends OtpError {
  constructor(
    code: 'not_found' | 'running' | 'restarting' | 'not_running',
    readonly childId: string,
  ) {
    super(code, `child ${childId}: ${code.replace('_', ' ')}`);
  }
}

export class MaxChildrenError extends OtpError {
  constructor(readonly max: number) {
    super('max_children', `dynamic supervisor reached max_children (${max})`);
  }
}

/** self(), link() and friends were used outside a process callback's synchronous part. */
export class NoCurrentProcessError extends OtpError {
  constructor(what: string) {
    super(
      'no_process',
      `${what} needs a calling process: call it synchronously inside a process callback, or use the ctx argument`,
    );
  }
}

export class NodeNotStartedError extends OtpError {
  constructor() {
    super('not_started', 'no node is running: call Node.start() first');
  }
}

/** A message the runtime will not carry (undefined has no Erlang counterpart). */
export class BadArgError extends OtpError {
  constructor(detail: string) {
    super('badarg', detail);
  }
}

/**
 * A state_functions GenStatem was asked to run a state with no handler in `states` (an
 * untyped definition, or a transition the types did not see). A call's caller gets this
 * error; the statem crashes with it, as gen_statem does on a missing state function.
 */
export class NoStateHandlerError extends OtpError {
  constructor(readonly state: string) {
    super('no_state_handler', `no handler for state ${state}`);
  }
}

/**
 * OTP's `ignore`: init returned ignore (or a child's start function did), so nothing
 * started. Every start in the API (start, startLink, startChild, restartChild) rejects
 * with it; a supervisor keeps such a child's spec as not running (unless temporary).
 */
export class IgnoredError extends OtpError {
  constructor(readonly childId?: string) {
    super('ignore', childId === undefined ? 'init returned ignore' : `child ${childId}: start returned ignore`);
  }
}
