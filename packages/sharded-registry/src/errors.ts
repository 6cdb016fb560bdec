/**
 * Typed errors of @erlmcp/sharded-registry. Each carries a stable `code` and is
 * thrown before anything changes. A structured clone (postMessage) keeps only an
 * Error's message, stack and cause: send the code along yourself if another
 * thread needs it.
 */
import type { Pid } from '@erlmcp/otp';

export class RegistryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The name is held by another registration. */
export class NameTakenError extends RegistryError {
  readonly holder: Pid | undefined;
  constructor(name: string, holder: Pid | undefined) {
    super('ERR_REGISTRY_NAME_TAKEN', `${name} is already registered${holder === undefined ? '' : ` by ${holder}`}`);
    this.holder = holder;
  }
}

/** A name (or meta value) msgpackr cannot encode faithfully: a function, a symbol, a cycle, undefined as a name. */
export class BadNameError extends RegistryError {
  constructor(what: string, cause?: unknown) {
    super('ERR_REGISTRY_BAD_NAME', what, cause === undefined ? undefined : { cause });
  }
}

/** The pid is not a pid, or the process is not alive. */
export class DeadPidError extends RegistryError {
  constructor(pid: unknown) {
    super('ERR_REGISTRY_DEAD_PID', `${String(pid)} is not a live process`);
  }
}

/** unregisterName of a name that is not registered. */
export class NotRegisteredError extends RegistryError {
  constructor(name: string) {
    super('ERR_REGISTRY_NOT_REGISTERED', `${name} is not registered`);
  }
}

/** unregisterName from a process other than the one holding the name. */
export class NotOwnerError extends RegistryError {
  readonly holder: Pid;
  constructor(name: string, holder: Pid, caller: Pid) {
    super('ERR_REGISTRY_NOT_OWNER', `${name} is held by ${holder}, not by ${caller}`);
    this.holder = holder;
  }
}

/** A bad option or argument: a shard count out of range, a handle that is not a registry's, ... */
export class RegistryArgError extends RegistryError {
  constructor(message: string) {
    super('ERR_REGISTRY_BADARG', message);
  }
}

/** An operation that needs the registry's processes (reshard, stop) while they are not running. */
export class NotRunningError extends RegistryError {
  constructor(message: string) {
    super('ERR_REGISTRY_NOT_RUNNING', message);
  }
}

/**
 * A reshard that could not complete (a table would pass its maximum, ...):
 * every name is where it was. `reason` is the failure's code and message,
 * plain data because the move runs on the supervisor's scheduler.
 */
export class ReshardFailedError extends RegistryError {
  readonly reason: { readonly code: string; readonly message: string };
  constructor(shards: number, reason: { code: string; message: string }) {
    super('ERR_REGISTRY_RESHARD_FAILED', `reshard to ${shards} shards failed: ${reason.message}`);
    this.reason = reason;
  }
}
