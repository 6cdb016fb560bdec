/**
 * sys: looking inside a running behaviour process, as OTP's sys module does.
 *
 * Each function is a system call: a From delivered as a system message (tag System), so
 * it never meets the behaviour's handleCall, and a request that crosses schedulers as an
 * ordinary call record marked `$sys`, which the receiving scheduler turns back into a
 * system message. The behaviour answers it in its own loop (see GenServer's `system`), so
 * a suspended process still answers sys while its other messages wait.
 */
import { attachCall, From, RemoteFrom } from './call';
import { currentNode, running } from './current';
import { BadArgError, NoProcError } from './errors';
import { Tag } from './mailbox';
import { checkServerName, describeName } from './names';
import type { ServerName } from './names';
import { badTimeout } from './long-timeout';
import { Pid } from './pid';

/** A system request; plain data, so it crosses schedulers. */
export type SysRequest =
  | { readonly $sys: 'get_state' }
  | { readonly $sys: 'get_status' }
  | { readonly $sys: 'suspend' }
  | { readonly $sys: 'resume' }
  | { readonly $sys: 'trace'; readonly on: boolean }
  | { readonly $sys: 'statistics'; readonly on: boolean | 'get' }
  | { readonly $sys: 'replace_state'; readonly fn: ((state: unknown) => unknown) | StateFunctionSpec };

/**
 * A state function named by module and export, so it crosses schedulers: on the process's
 * scheduler, `require(module)[export](state, ...args)` makes the new state. `args` must be
 * serializable (they are copied to that thread).
 */
export interface StateFunctionSpec {
  readonly module: string;
  readonly export: string;
  readonly args?: readonly unknown[];
}

/** sys:get_status/1, trimmed to what means something here. */
export interface SysStatus {
  pid: Pid;
  /** The behaviour's kind, as processInfo shows it. */
  behaviour: string;
  status: 'running' | 'suspended';
  /** The state as the behaviour's formatStatus shows it (the state itself without one). */
  state: unknown;
  /** How many times the process has hibernated. */
  hibernations: number;
  /** The slots of its mailbox buffer: grown by a burst, shrunk by hibernation (two per message). */
  mailboxSlots: number;
}

/** sys:statistics/2 with get: counted since statistics were turned on. */
export interface SysStatistics {
  startTime: number;
  currentTime: number;
  /** Messages the process has handled (system messages aside). */
  messagesIn: number;
}

/** Is `message` (a From delivered as a system message, or a remote call's request) a sys request? */
export function isSysRequest(request: unknown): request is SysRequest {
  return typeof request === 'object' && request !== null && typeof (request as { $sys?: unknown }).$sys === 'string';
}

function systemCall(server: Pid | ServerName, request: SysRequest, timeoutMs: number): Promise<unknown> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(badTimeout('sys', timeoutMs));
  if (!(server instanceof Pid)) {
    try {
      checkServerName('sys', server);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const node = currentNode();
  const target = node.route(server);
  const label = server instanceof Pid ? server.toString() : describeName(server);
  if (target instanceof Pid) {
    if (request.$sys === 'replace_state' && typeof request.fn === 'function') {
      return Promise.reject(
        new BadArgError(
          `sys.replaceState: a function cannot cross to ${label} on another scheduler: name it as { module, export }`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const from = new RemoteFrom(resolve, reject, target, request);
      node.remote(target).call(target, from, request);
      if (timeoutMs !== Infinity) node.timeouts.add(from, timeoutMs);
    }).then(unwrap);
  }
  if (target === undefined || !target.alive) return Promise.reject(new NoProcError(label));
  if (target.behaviour === null)
    return Promise.reject(
      new BadArgError(`${label} is a spawned function, not a behaviour: sys needs a behaviour's loop`),
    );
  if (target === running.process) return Promise.reject(new BadArgError(`${label} called sys on itself`));
  return new Promise((resolve, reject) => {
    const from = new From(resolve, reject, target, request);
    attachCall(target, from);
    if (timeoutMs !== Infinity) node.timeouts.add(from, timeoutMs);
    node.deliver(target, from, Tag.System);
  }).then(unwrap);
}

/** A behaviour answers { ok } or { error: message } (an error as a value crosses schedulers). */
function unwrap(answer: unknown): unknown {
  const a = answer as { ok?: unknown; error?: string };
  if (a !== null && typeof a === 'object' && 'error' in a) throw new BadArgError(a.error ?? 'sys request failed');
  return a?.ok;
}

/** sys:get_state: the behaviour's state (for a GenStatem, { state, data }). */
export function getState<T = unknown>(server: Pid | ServerName, timeoutMs = 5000): Promise<T> {
  return systemCall(server, { $sys: 'get_state' }, timeoutMs) as Promise<T>;
}

/**
 * sys:replace_state: replaces the state with fn(state), and resolves with the new state (as
 * formatStatus shows it). A closure reaches a process on the caller's scheduler; a
 * { module, export, args } spec reaches one on any scheduler.
 */
export function replaceState<T>(
  server: Pid | ServerName,
  fn: ((state: T) => T) | StateFunctionSpec,
  timeoutMs = 5000,
): Promise<T> {
  if (typeof fn !== 'function' && (typeof fn?.module !== 'string' || typeof fn.export !== 'string')) {
    return Promise.reject(new BadArgError('sys.replaceState: expected a function or { module, export, args? }'));
  }
  return systemCall(server, { $sys: 'replace_state', fn: fn as (state: unknown) => unknown }, timeoutMs) as Promise<T>;
}

/** sys:get_status: with the state as the behaviour's formatStatus redacts it. */
export function getStatus(server: Pid | ServerName, timeoutMs = 5000): Promise<SysStatus> {
  return systemCall(server, { $sys: 'get_status' }, timeoutMs) as Promise<SysStatus>;
}

/** sys:suspend: the process answers only system messages until resumed; the rest wait, in order. */
export async function suspend(server: Pid | ServerName, timeoutMs = 5000): Promise<void> {
  await systemCall(server, { $sys: 'suspend' }, timeoutMs);
}

export async function resume(server: Pid | ServerName, timeoutMs = 5000): Promise<void> {
  await systemCall(server, { $sys: 'resume' }, timeoutMs);
}

/** sys:trace: each message the process handles is logged (info level) while on. */
export async function trace(server: Pid | ServerName, on: boolean, timeoutMs = 5000): Promise<void> {
  await systemCall(server, { $sys: 'trace', on }, timeoutMs);
}

/** sys:statistics: true starts counting, false stops, 'get' reads (undefined when off). */
export function statistics(server: Pid | ServerName, on: 'get', timeoutMs?: number): Promise<SysStatistics | undefined>;
export function statistics(server: Pid | ServerName, on: boolean, timeoutMs?: number): Promise<void>;
export async function statistics(
  server: Pid | ServerName,
  on: boolean | 'get',
  timeoutMs = 5000,
): Promise<SysStatistics | undefined | void> {
  const answer = await systemCall(server, { $sys: 'statistics', on }, timeoutMs);
  if (on === 'get') return answer as SysStatistics | undefined;
}

/** The sys API in one namespace, with OTP's names. */
export const sys = { getState, replaceState, getStatus, suspend, resume, trace, statistics } as const;
