/**
 * proc_lib: the contract every behaviour is started and stopped on, GenServer's included (and
 * so GenStatem's, GenEvent's and the supervisors', which run as GenServers). A behaviour of a
 * user's is started the same way (ProcLib.start / startLink):
 *
 *   1. The process is spawned with the behaviour as its loop (linked to the parent for
 *      startLink, trapping exits if asked), and registered under `name` (a local name or a
 *      `via` name) before anything runs; a taken name fails the start (AlreadyStartedError).
 *   2. Its first message is an InitRequest (tag System): the behaviour runs its init (which
 *      may be async) and acknowledges with request.resolve(ctx.self), or request.reject(new
 *      IgnoredError()) for OTP's ignore. Throwing (an ExitSignal, or any error) ends the
 *      process; the start rejects with StartError(reason), and a linked parent gets the exit.
 *   3. The start resolves with the pid only once init acknowledged it; a process that ends
 *      first, or an init longer than `timeout` (killed), fails the start.
 *   4. ProcLib.stop(server, reason) delivers a StopRequest (tag System): the behaviour runs
 *      its cleanup and exits with the reason; stop resolves once it has exited.
 *
 * Everything else of the contract (system messages for sys, tracing, parent exits, onExit) is
 * the Behaviour interface and behaviour-system.ts; the otp README's "Writing a behaviour"
 * puts it together.
 *
 * On another scheduler (`scheduler: k`), `make` must be a `{ module, export }` spec naming the
 * factory (ProcLib.remote): functions cannot cross threads, their names can. Scheduler k loads
 * the factory and starts it there through the same startSpecial, with the pid allocated here
 * and the link to the parent set before the process exists, so the start keeps every rule above
 * (a via name cannot cross: use a local name).
 */
import { isDeepStrictEqual } from 'node:util';
import { isRemoteSpec, type Placement, type RemoteSpec } from './cluster/remote';
import type { Behaviour, LinkOptions } from './context';
import { currentNode } from './current';
import {
  AlreadyRegisteredError,
  AlreadyStartedError,
  BadArgError,
  CallExitError,
  CallTimeoutError,
  IgnoredError,
  NoProcError,
  StartError,
} from './errors';
import { linkedStartFailed, linkParent } from './linked-start';
import { checkTimeout, clearTimer, setTimer, type Timer } from './long-timeout';
import { Tag } from './mailbox';
import { checkServerName, describeName, isViaName, type ServerName, type ViaName } from './names';
import { loadExport, type Node } from './node';
import { Pid } from './pid';
import type { Process } from './process';
import type { ExitReason } from './reason';
import { InitRequest, StopRequest } from './system-messages';

export { InitRequest, StopRequest };

/** A behaviour as ProcLib starts it. */
export interface SpecialBehaviour extends Behaviour {
  /** Told the `via` name it was registered under, to release it in onExit. Without it, ProcLib releases the name at exit. */
  holdViaName?(name: ViaName): void;
}

/** Builds the behaviour for its parent's pid (undefined for an unlinked start). */
export type BehaviourFactory = (parent: Pid | undefined) => SpecialBehaviour;

/** A BehaviourFactory named by module and export, so any scheduler can load it. */
export type RemoteBehaviour = RemoteSpec & { readonly [remoteBehaviour]?: BehaviourFactory };
declare const remoteBehaviour: unique symbol;

/**
 * Names a behaviour factory by module path and export, so it can start on any scheduler:
 * `ProcLib.remote(require.resolve('./limiter'), 'limiter')`. The module must be loadable by a
 * worker thread (CommonJS, compiled), and the args passed to start must be serializable.
 */
export function remote(module: string, exportName: string): RemoteBehaviour {
  return { module, export: exportName };
}

export interface ProcLibStartOptions {
  /** A local name or a `via` name, registered before init runs. */
  name?: ServerName;
  /** Milliseconds init may take before the start fails and the process is killed (default: no limit). */
  timeout?: number;
  /** Sets trap_exit before init (so the behaviour sees its parent's shutdown as an ExitMessage). */
  trapExit?: boolean;
}

export interface ProcLibPlacement {
  /** The scheduler to start on (see SpawnOptions.scheduler); elsewhere than here, `make` must be a ProcLib.remote spec. */
  scheduler?: Placement;
}

/** @internal Where a process started for another scheduler's caller comes from. */
export interface SpecialOrigin {
  id: number;
  parent?: number;
}

/**
 * @internal The start GenServer and ProcLib share. `make` builds the behaviour for the parent's
 * pid; resolves with the pid, or 'ignore' when the behaviour acknowledged with 'ignore'.
 */
export async function startSpecial(
  node: Node,
  parent: Process | null,
  make: BehaviourFactory,
  args: unknown,
  options: ProcLibStartOptions,
  remote?: SpecialOrigin,
): Promise<Pid | 'ignore'> {
  if (options.timeout !== undefined) checkTimeout('start', options.timeout);
  if (options.name !== undefined) checkServerName('start', options.name);
  const parentPid = parent?.self ?? (remote?.parent !== undefined ? node.pidOf(remote.parent) : undefined);
  const behaviour = make(parentPid);
  const process = node.spawnFrom(parent, behaviour, { link: parent !== null, trapExit: options.trapExit }, remote?.id);
  if (remote?.parent !== undefined) node.remote().relationsOf(process).links.add(remote.parent);
  const name = options.name;
  if (name !== undefined) {
    const registered = await registerName(node, name, process.self);
    if (!registered) {
      const holder = node.route(name);
      if (parentPid !== undefined) node.unlink(process, parentPid);
      node.exitProcess(process, 'normal');
      throw new AlreadyStartedError(describeName(name), holder instanceof Pid ? holder : holder?.self);
    }
    if (isViaName(name)) {
      if (behaviour.holdViaName !== undefined) behaviour.holdViaName(name);
      else
        node.watch(process.self, () => void Promise.resolve(name.via.unregisterName(name.name)).catch(() => undefined));
    }
  }
  const started = new Promise<Pid | 'ignore'>((resolve, reject) => {
    let timer: Timer | undefined;
    // As proc_lib's start: a process that ends before init returns (killed, or linked to
    // something that died) fails the start with its reason instead of leaving it pending.
    if (!process.alive) return reject(new StartError(process.reason ?? 'noproc'));
    const unwatch = node.watch(process.self, (reason) => {
      if (timer !== undefined) clearTimer(timer);
      reject(new StartError(reason));
    });
    const settle =
      <T>(fn: (value: T) => void) =>
      (value: T) => {
        if (timer !== undefined) clearTimer(timer);
        unwatch();
        fn(value);
      };
    if (options.timeout !== undefined && options.timeout !== Infinity) {
      timer = setTimer(() => {
        if (parentPid !== undefined) node.unlink(process, parentPid);
        reject(new StartError('timeout'));
        node.exitProcess(process, 'killed');
      }, options.timeout);
    }
    node.deliver(process, new InitRequest(args, settle(resolve), settle(reject)), Tag.System);
  });
  return parent === null ? started : started.catch((error: unknown) => linkedStartFailed(parent, process.self, error));
}

async function registerName(node: Node, name: ServerName, pid: Pid): Promise<boolean> {
  if (typeof name === 'string') {
    if (node.whereis(name) !== undefined) return false;
    try {
      node.register(name, pid);
    } catch (error) {
      if (error instanceof AlreadyRegisteredError) return false; // another scheduler took it meanwhile
      throw error;
    }
    return true;
  }
  return name.via.registerName(name.name, pid);
}

/**
 * @internal The stop GenServer and ProcLib share (gen_server:stop / proc_lib:stop): a
 * StopRequest, then wait for the exit. Rejects with NoProcError, or CallTimeoutError.
 */
export async function stopSpecial(
  server: Pid | ServerName,
  reason: ExitReason = 'normal',
  timeoutMs = Infinity,
): Promise<void> {
  checkTimeout('stop', timeoutMs);
  if (!(server instanceof Pid)) checkServerName('stop', server);
  const node = currentNode();
  const target = node.route(server);
  const label = server instanceof Pid ? server.toString() : describeName(server);
  if (target === undefined || (!(target instanceof Pid) && !target.alive)) throw new NoProcError(label);
  // A spawned function has no terminate to run and would take the request for its start.
  if (!(target instanceof Pid) && target.behaviour === null)
    throw new BadArgError(`${label} is a spawned function, not a behaviour: use exit(pid, reason)`);
  const pid = target instanceof Pid ? target : target.self;
  const exited = node.awaitExit(pid);
  if (target instanceof Pid) node.remote(target).stop(target, reason);
  else node.deliver(target, new StopRequest(reason), Tag.System);
  let timer: Timer | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (timeoutMs !== Infinity) timer = setTimer(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  if (timer !== undefined) clearTimer(timer);
  if (outcome === 'timeout') throw new CallTimeoutError(label, timeoutMs);
  // By value: a reason that crossed from another scheduler is a copy.
  if (outcome !== reason && !isDeepStrictEqual(outcome, reason)) throw new CallExitError(label, outcome);
}

/**
 * @internal ProcLib's start on the chosen scheduler: here through startSpecial, elsewhere
 * through the cluster's spawn handler (which loads the factory and runs startSpecial there).
 */
export async function startBehaviour(
  node: Node,
  parent: Process | null,
  make: BehaviourFactory | RemoteBehaviour,
  args: unknown,
  options: ProcLibStartOptions & ProcLibPlacement,
): Promise<Pid | 'ignore'> {
  const { scheduler, ...startOptions } = options;
  if (startOptions.timeout !== undefined) checkTimeout('start', startOptions.timeout);
  if (startOptions.name !== undefined) checkServerName('start', startOptions.name);
  const k = node.placement(scheduler);
  if (k !== node.schedulerId) {
    if (!isRemoteSpec(make))
      throw new BadArgError(
        `a behaviour factory cannot start on scheduler ${k}: pass ProcLib.remote(module, export) instead`,
      );
    if (startOptions.name !== undefined && typeof startOptions.name !== 'string')
      throw new BadArgError('a via name cannot cross schedulers: use a local name');
    return node.remote().startRemote(parent, k, 'proc_lib', make, args, {
      name: startOptions.name,
      trapExit: startOptions.trapExit,
      timeout: startOptions.timeout,
    });
  }
  return startSpecial(node, parent, factoryOf(make), args, startOptions);
}

/** @internal The factory a spec names, checked: a start on any scheduler loads it through here. */
export function factoryOf(make: BehaviourFactory | RemoteBehaviour): BehaviourFactory {
  if (!isRemoteSpec(make)) {
    if (typeof make !== 'function') throw new BadArgError('ProcLib.start: make must be a function or a remote spec');
    return make;
  }
  const loaded = loadExport<unknown>(make);
  if (typeof loaded !== 'function')
    throw new BadArgError(`${make.module} export ${make.export} is not a behaviour factory (a function)`);
  return loaded as BehaviourFactory;
}

/** OTP's ignore is a rejection here, as in every start that resolves with a pid. */
function started(result: Pid | 'ignore'): Pid {
  if (result === 'ignore') throw new IgnoredError();
  return result;
}

/** proc_lib:start: an unlinked behaviour process, once its init has acknowledged. */
export async function start(
  make: BehaviourFactory | RemoteBehaviour,
  args: unknown,
  options: ProcLibStartOptions & ProcLibPlacement = {},
): Promise<Pid> {
  return started(await startBehaviour(currentNode(), null, make, args, options));
}

/**
 * proc_lib:start_link: linked to the calling process (a supervisor's child start function is
 * one), or to `parent` (a callback's ctx, after an await); on another scheduler too.
 */
export async function startLink(
  make: BehaviourFactory | RemoteBehaviour,
  args: unknown,
  options: ProcLibStartOptions & ProcLibPlacement & LinkOptions = {},
): Promise<Pid> {
  const { parent, ...startOptions } = options;
  return started(
    await startBehaviour(currentNode(), linkParent('ProcLib.startLink', parent), make, args, startOptions),
  );
}

/**
 * proc_lib:stop: a StopRequest to the behaviour; resolves once it has exited with `reason`.
 * Rejects with NoProcError, or CallTimeoutError after `timeoutMs`.
 */
function stop(server: Pid | ServerName, reason: ExitReason = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopSpecial(server, reason, timeoutMs);
}

/** proc_lib's contract in one namespace. */
export const ProcLib = {
  start,
  startLink,
  remote,
  stop,
  InitRequest,
  StopRequest,
} as const;
