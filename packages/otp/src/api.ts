/**
 * Erlang's BIFs as module functions on the current node. Those that act as
 * "the calling process" (self, link, monitor, ...) need to run during the
 * synchronous part of a callback; after an await, use the callback's ctx.
 */
import type { Behaviour, ProcessBody, SpawnOptions } from './context';
import { currentNode, running } from './current';
import { NoCurrentProcessError } from './errors';
import type { ServerName } from './names';
import type { Pid, Ref } from './pid';
import { pidOf, type Process } from './process';
import type { RemoteSpec } from './cluster/remote';
import type { ExitReason } from './reason';

function caller(what: string): Process {
  const process = running.process;
  if (process === null) throw new NoCurrentProcessError(what);
  return process;
}

/**
 * Erlang's spawn. `body` is a function (run on this scheduler), a behaviour,
 * or `{ module, export, args }`, which any scheduler can run.
 */
export function spawn(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): Pid {
  return pidOf(currentNode().spawn(body, options));
}

export function spawnLink(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): Pid {
  return caller('spawnLink').spawnLink(body, options);
}

export function spawnMonitor(body: ProcessBody | Behaviour | RemoteSpec, options?: SpawnOptions): [Pid, Ref] {
  return caller('spawnMonitor').spawnMonitor(body, options);
}

export function send(to: Pid | ServerName, message: unknown): void {
  currentNode().send(to, message);
}

export function self(): Pid {
  return caller('self()').self;
}

export function link(pid: Pid): void {
  caller('link').link(pid);
}

export function unlink(pid: Pid): void {
  caller('unlink').unlink(pid);
}

export function monitor(target: Pid | ServerName): Ref {
  return caller('monitor').monitor(target);
}

export function demonitor(ref: Ref, options?: { flush?: boolean }): boolean {
  return caller('demonitor').demonitor(ref, options);
}

export function trapExit(flag: boolean): boolean {
  return caller('trapExit').trapExit(flag);
}

/** exit/2: sends an exit signal to `pid`, from the calling process (or the node, outside any). */
export function exit(pid: Pid, reason: ExitReason): void {
  currentNode().exit(pid, reason);
}

export function register(name: string, pid: Pid): true {
  return currentNode().register(name, pid);
}

export function unregister(name: string): true {
  return currentNode().unregister(name);
}

export function whereis(name: string): Pid | undefined {
  return currentNode().whereis(name);
}

export function registered(): string[] {
  return currentNode().registered();
}

export function sendAfter(ms: number, to: Pid | string, message: unknown): Ref {
  return currentNode().sendAfter(ms, to, message);
}

/** The milliseconds left, or false: fired, cancelled, or set on another scheduler (forwarded there; see cancelTimerAsync). */
export function cancelTimer(ref: Ref): number | false {
  return currentNode().cancelTimer(ref);
}

/** Cancels a timer set on any scheduler; resolves with the milliseconds that were left, or false if it had fired. */
export function cancelTimerAsync(ref: Ref): Promise<number | false> {
  return currentNode().cancelTimerAsync(ref);
}

export function makeRef(): Ref {
  return currentNode().makeRef();
}

/** Resolves with the exit reason once `pid` has ended ('noproc' if it is not alive). */
export function awaitExit(pid: Pid): Promise<ExitReason> {
  return currentNode().awaitExit(pid);
}

/**
 * The calling process, or undefined outside a process callback's synchronous part
 * (for access checks). After an await in a callback it is undefined, never another
 * process: read ctx.self there.
 */
export function currentPid(): Pid | undefined {
  return running.process?.self;
}
