/**
 * Supervisor: OTP's supervisor, itself a GenServer definition (as supervisor.erl is a
 * gen_server). The callback "module" is the spec given to start/startLink:
 *
 *   { strategy?, intensity?, period?, children }
 *     strategy    'one_for_one' (default) | 'one_for_all' | 'rest_for_one'
 *     intensity   restarts allowed within `period` seconds, a whole number >= 0 (default 1)
 *     period      whole seconds > 0 (default 5); more restarts than that: the supervisor
 *                 shuts its children down and exits 'shutdown'
 *     children    ChildSpec[], started in order, stopped in reverse:
 *       { id, start, restart?, shutdown?, type? }
 *       start()   runs as the supervisor (so startLink/spawnLink link to it) and returns
 *                 Pid | 'ignore' or a promise of one; it may reject (IgnoredError means ignore)
 *       restart   'permanent' (default) | 'transient' (restarted after an abnormal exit) |
 *                 'temporary' (never restarted, dropped when it ends)
 *       shutdown  'brutal_kill' | ms (default 5000 for a worker) | 'infinity' (default for a
 *                 supervisor): an exit 'shutdown' and that long to end, then 'kill'
 *       type      'worker' (default) | 'supervisor'
 *
 * A bad flag or child spec is a BadArgError / InvalidChildSpecError naming the field. The API:
 * Supervisor.start, startLink, startChild, terminateChild, restartChild, deleteChild,
 * whichChildren, countChildren, childSpec (to nest one), stop. One file near 400 lines: the
 * loop's strategies share the children table and the restart path; split them together.
 */
import type { From } from './call';
import { isExpectedShutdown, shutdownChild } from './child-shutdown';
import {
  normalizeChildSpec,
  normalizeChildSpecs,
  normalizeFlags,
  type ChildSpec,
  type ChildType,
  type NormalizedChildSpec,
  type NormalizedFlags,
  type RestartType,
  type SupervisorFlags,
} from './child-spec';
import type { LinkOptions, ProcessContext } from './context';
import { linkParent } from './linked-start';
import { currentNode } from './current';
import { AlreadyStartedError, BadArgError, ChildError, DuplicateChildError, OtpError } from './errors';
import { isRemoteSpec, type Placement, type RemoteSpec } from './cluster/remote';
import { loadExport, type Node } from './node';
import { call, define, IgnoredError, startServer, stopServer, type RemoteOrigin } from './gen-server';
import { noreply, ok, reply, stop, type CallResult, type CastResult, type InfoMessage } from './gen-server-types';
import { ExitMessage } from './messages';
import { checkServerName, type ServerName } from './names';
import { Pid } from './pid';
import { processOf, type Process } from './process';
import { RestartIntensity } from './restart-intensity';
import { isNormalExit, type ExitReason } from './reason';
import {
  reportChildTerminated,
  reportIntensity,
  reportRestarted,
  reportShutdownError,
  reportStartError,
} from './supervisor-report';

export interface SupervisorSpec extends SupervisorFlags {
  children: ChildSpec[];
}

export interface SupervisorStartOptions {
  name?: ServerName;
  /** The scheduler to run the supervisor on; elsewhere than here, pass a `{ module, export }` spec. */
  scheduler?: Placement;
}

/** One row of which_children. */
export interface ChildInfo {
  id: string;
  pid: Pid | 'restarting' | undefined;
  type: ChildType;
  restart: RestartType;
}

export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

interface Child {
  spec: NormalizedChildSpec;
  pid: Pid | 'restarting' | undefined;
}

type SupervisorCall =
  | { op: 'start_child'; spec: ChildSpec }
  | { op: 'terminate_child'; id: string }
  | { op: 'restart_child'; id: string }
  | { op: 'delete_child'; id: string }
  | { op: 'which_children' }
  | { op: 'count_children' };

/** Replies carry errors as values so the caller's promise rejects with the typed error. */
type Outcome = { ok: unknown } | { error: Error };

class TryAgainRestart {
  constructor(
    readonly id: string,
    /** Children after it in the restart group, shown as 'restarting' until this retry. */
    readonly waiting: readonly string[],
  ) {}
}

class SupervisorState {
  readonly intensity: RestartIntensity;
  constructor(
    readonly flags: NormalizedFlags,
    readonly children: Child[],
  ) {
    this.intensity = new RestartIntensity(flags.intensity, flags.period);
  }

  find(id: string): Child | undefined {
    return this.children.find((c) => c.spec.id === id);
  }

  findByPid(pid: Pid): Child | undefined {
    return this.children.find((c) => c.pid instanceof Pid && c.pid.equals(pid));
  }
}

/** Starts one child as the supervisor; links it even if its start function did not. */
async function startChildProcess(sup: Process, spec: NormalizedChildSpec): Promise<Pid | undefined> {
  // Killed while an earlier child of the same restart (or init) was starting: a child started
  // now would be linked to a dead process and never stopped.
  if (!sup.alive) throw new OtpError('noproc', `${sup.self} exited before ${spec.id} was started`);
  let result: Pid | 'ignore';
  try {
    result = await sup.node.runAs(sup, spec.start);
  } catch (error) {
    if (error instanceof IgnoredError) return undefined;
    throw error;
  }
  if (result === 'ignore') return undefined;
  if (!(result instanceof Pid))
    throw new OtpError('bad_start', `start of ${spec.id} returned ${String(result)}, not a pid or 'ignore'`);
  sup.link(result);
  return result;
}

async function terminateChild(sup: Process, child: Child): Promise<void> {
  const pid = child.pid;
  child.pid = undefined;
  if (!(pid instanceof Pid)) return;
  const reason = await shutdownChild(sup, pid, child.spec.shutdown);
  if (!isExpectedShutdown(child.spec.shutdown, child.spec.restart, reason))
    reportShutdownError(sup.node, sup.self, child.spec.id, pid, reason);
}

/** Terminates children last-started first; temporary ones are forgotten, as OTP does. */
async function terminateChildren(sup: Process, state: SupervisorState, children: Child[]): Promise<void> {
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i]!;
    await terminateChild(sup, child);
    if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
  }
}

/** The children a restart touches, by strategy, in start order. */
function restartGroup(state: SupervisorState, failed: Child): Child[] {
  switch (state.flags.strategy) {
    case 'one_for_one':
      return [failed];
    case 'one_for_all':
      return [...state.children];
    case 'rest_for_one':
      return state.children.slice(state.children.indexOf(failed));
  }
}

async function restart(
  sup: Process,
  state: SupervisorState,
  failed: Child,
  failedPid: Pid | undefined,
  reason: ExitReason,
): Promise<void> {
  const group = restartGroup(state, failed);
  const oldPids = new Map(group.map((c) => [c, c === failed ? failedPid : c.pid instanceof Pid ? c.pid : undefined]));
  await terminateChildren(
    sup,
    state,
    group.filter((c) => c !== failed),
  );
  for (const child of group) {
    if (!state.children.includes(child)) continue;
    try {
      child.pid = await startChildProcess(sup, child.spec);
      reportRestarted(sup.node, sup.self, child.spec.id, oldPids.get(child), child.pid, reason);
    } catch (error) {
      // OTP counts a failed restart as another restart and tries again through the mailbox.
      reportStartError(sup.node, sup.self, child.spec.id, error, 'restart_error');
      child.pid = 'restarting';
      const waiting: string[] = [];
      for (const rest of group.slice(group.indexOf(child) + 1)) {
        if (rest.pid !== undefined) continue;
        rest.pid = 'restarting';
        waiting.push(rest.spec.id);
      }
      sup.node.deliver(sup, new TryAgainRestart(child.spec.id, waiting));
      return;
    }
  }
}

/** Runs after a child exited or a retry is due: restart it, or give up when intensity is exceeded. */
async function handleChildExit(
  sup: Process,
  state: SupervisorState,
  child: Child,
  pid: Pid | undefined,
  reason: ExitReason,
): Promise<CastResult<SupervisorState>> {
  if (child.spec.restart === 'temporary') {
    state.children.splice(state.children.indexOf(child), 1);
    return noreply(state);
  }
  if (child.spec.restart === 'transient' && isNormalExit(reason)) return noreply(state);
  if (!state.intensity.add()) {
    reportIntensity(sup.node, sup.self, state.intensity.recent, state.flags.intensity, state.flags.period);
    return stop('shutdown', state);
  }
  await restart(sup, state, child, pid, reason);
  return noreply(state);
}

async function handleCall(request: SupervisorCall, sup: Process, state: SupervisorState): Promise<Outcome> {
  switch (request.op) {
    case 'start_child': {
      let spec: NormalizedChildSpec;
      try {
        spec = normalizeChildSpec(request.spec);
      } catch (error) {
        return { error: error as Error };
      }
      const existing = state.find(spec.id);
      if (existing !== undefined) {
        // As supervisor:start_child: {error, {already_started, Pid}} if it runs, else {error, already_present}.
        return {
          error:
            existing.pid instanceof Pid
              ? new AlreadyStartedError(`child ${spec.id}`, existing.pid)
              : new DuplicateChildError(spec.id),
        };
      }
      try {
        const pid = await startChildProcess(sup, spec);
        if (pid !== undefined || spec.restart !== 'temporary') state.children.push({ spec, pid });
        return pid === undefined ? { error: new IgnoredError(spec.id) } : { ok: pid };
      } catch (error) {
        reportStartError(sup.node, sup.self, spec.id, error, 'start_error');
        return { error: error as Error };
      }
    }
    case 'terminate_child': {
      const child = state.find(request.id);
      if (child === undefined) return { error: new ChildError('not_found', request.id) };
      await terminateChild(sup, child);
      if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
      return { ok: true };
    }
    case 'restart_child': {
      const child = state.find(request.id);
      if (child === undefined) return { error: new ChildError('not_found', request.id) };
      if (child.pid instanceof Pid) return { error: new ChildError('running', request.id) };
      if (child.pid === 'restarting') return { error: new ChildError('restarting', request.id) };
      try {
        child.pid = await startChildProcess(sup, child.spec);
        return child.pid === undefined ? { error: new IgnoredError(child.spec.id) } : { ok: child.pid };
      } catch (error) {
        return { error: error as Error };
      }
    }
    case 'delete_child': {
      const child = state.find(request.id);
      if (child === undefined) return { error: new ChildError('not_found', request.id) };
      if (child.pid instanceof Pid) return { error: new ChildError('running', request.id) };
      if (child.pid === 'restarting') return { error: new ChildError('restarting', request.id) };
      state.children.splice(state.children.indexOf(child), 1);
      return { ok: true };
    }
    case 'which_children':
      return {
        ok: state.children.map((c): ChildInfo => ({
          id: c.spec.id,
          pid: c.pid,
          type: c.spec.type,
          restart: c.spec.restart,
        })),
      };
    case 'count_children': {
      const counts: ChildCounts = { specs: state.children.length, active: 0, supervisors: 0, workers: 0 };
      for (const c of state.children) {
        if (c.pid instanceof Pid) counts.active++;
        if (c.spec.type === 'supervisor') counts.supervisors++;
        else counts.workers++;
      }
      return { ok: counts };
    }
  }
}

interface InitArgs {
  flags: NormalizedFlags;
  children: NormalizedChildSpec[];
}

const supervisorServer = define<SupervisorState, InitArgs, SupervisorCall, Outcome, never, TryAgainRestart>({
  name: 'supervisor',
  async init({ flags, children }, ctx) {
    const sup = processOf(ctx);
    const state = new SupervisorState(flags, []);
    for (const spec of children) {
      try {
        const pid = await startChildProcess(sup, spec);
        state.children.push({ spec, pid });
      } catch (error) {
        reportStartError(sup.node, sup.self, spec.id, error, 'start_error');
        await terminateChildren(sup, state, [...state.children]);
        return stop(
          {
            shutdown: {
              failed_to_start_child: spec.id,
              reason: error instanceof Error ? error.message : String(error),
            },
          },
          state,
        );
      }
    }
    return ok(state);
  },

  async handleCall(request, _from: From<Outcome>, state, ctx): Promise<CallResult<SupervisorState, Outcome>> {
    return reply(await handleCall(request, processOf(ctx), state), state);
  },

  async handleInfo(message: InfoMessage<TryAgainRestart>, state, ctx: ProcessContext) {
    const sup = processOf(ctx);
    if (message instanceof ExitMessage) {
      const child = state.findByPid(message.from);
      if (child === undefined) return noreply(state); // an EXIT from a child already shut down or replaced
      child.pid = undefined;
      reportChildTerminated(sup.node, sup.self, child.spec.id, message.from, message.reason);
      return handleChildExit(sup, state, child, message.from, message.reason);
    }
    if (message instanceof TryAgainRestart) {
      const child = state.find(message.id);
      if (child !== undefined && child.pid === 'restarting')
        return handleChildExit(sup, state, child, undefined, 'restart_failed');
      // As OTP's try_again_restart: a child no longer restarting (terminated or deleted
      // meanwhile) stays as it is, and so do those that waited on it.
      for (const id of message.waiting) {
        const rest = state.find(id);
        if (rest !== undefined && rest.pid === 'restarting') rest.pid = undefined;
      }
      return noreply(state);
    }
    return noreply(state);
  },

  async terminate(_reason, state, ctx) {
    await terminateChildren(processOf(ctx), state, [...state.children]);
  },
});

function prepare(spec: SupervisorSpec): InitArgs {
  return { flags: normalizeFlags(spec), children: normalizeChildSpecs(spec.children) };
}

/**
 * @internal Starts a supervisor process here, or (with options.scheduler
 * naming another scheduler) there, from a spec named by module and export.
 */
export async function startSupervisorProcess(
  node: Node,
  parent: Process | null,
  spec: SupervisorSpec | RemoteSpec,
  options: SupervisorStartOptions,
  remote?: RemoteOrigin,
): Promise<Pid | 'ignore'> {
  if (options.name !== undefined) checkServerName('Supervisor.start', options.name);
  const k = node.placement(options.scheduler);
  if (k !== node.schedulerId) {
    if (!isRemoteSpec(spec))
      throw new BadArgError(
        `a supervisor spec holds functions and cannot start on scheduler ${k}: pass { module, export } instead`,
      );
    if (options.name !== undefined && typeof options.name !== 'string')
      throw new BadArgError('a via name cannot cross schedulers: use a local name');
    return node.remote().startRemote(parent, k, 'supervisor', spec, undefined, { name: options.name });
  }
  const args = prepare(isRemoteSpec(spec) ? loadExport<SupervisorSpec>(spec) : spec);
  return startServer(node, parent, supervisorServer as never, args, { name: options.name, trapExit: true }, remote);
}

/**
 * supervisor:start_link, linked to the calling process (or to `parent`, a ctx, after an
 * await). The spec is checked before anything starts: a bad one rejects naming the field.
 */
export async function startLink(
  spec: SupervisorSpec | RemoteSpec,
  options: SupervisorStartOptions & LinkOptions = {},
): Promise<Pid> {
  const { parent, ...startOptions } = options;
  const result = await startSupervisorProcess(
    currentNode(),
    linkParent('Supervisor.startLink', parent),
    spec,
    startOptions,
  );
  if (result === 'ignore') throw new IgnoredError();
  return result;
}

/** A supervisor that is not linked to the caller (a top-level one, or in tests). */
export async function start(spec: SupervisorSpec | RemoteSpec, options: SupervisorStartOptions = {}): Promise<Pid> {
  const result = await startSupervisorProcess(currentNode(), null, spec, options);
  if (result === 'ignore') throw new IgnoredError();
  return result;
}

async function ask<T>(sup: Pid | ServerName, request: SupervisorCall): Promise<T> {
  const outcome = (await call(sup, request, Infinity)) as Outcome;
  if ('error' in outcome) throw outcome.error;
  return outcome.ok as T;
}

/**
 * gen_server:stop(Sup, Reason, Timeout), as OTP stops a supervisor: children in reverse start
 * order, then the supervisor exits with `reason`; resolves once it has (see stopServer).
 */
export function stopSupervisor(
  sup: Pid | ServerName,
  reason: ExitReason = 'normal',
  timeoutMs = Infinity,
): Promise<void> {
  return stopServer(sup, reason, timeoutMs);
}

export const Supervisor = {
  start,
  startLink,
  stop: stopSupervisor,
  /**
   * supervisor:start_child: starts and adds a child. Rejects with IgnoredError if its start
   * ignored (the spec is kept, not running, unless temporary), AlreadyStartedError if a child
   * with this id runs, DuplicateChildError (already_present) if one is there, not running.
   */
  startChild: (sup: Pid | ServerName, spec: ChildSpec) => ask<Pid>(sup, { op: 'start_child', spec }),
  /** Stops a child but keeps its spec (a temporary child's spec is dropped). */
  terminateChild: (sup: Pid | ServerName, id: string) => ask<true>(sup, { op: 'terminate_child', id }),
  /** Starts a child that is not running from its kept spec; IgnoredError if its start ignored. */
  restartChild: (sup: Pid | ServerName, id: string) => ask<Pid>(sup, { op: 'restart_child', id }),
  deleteChild: (sup: Pid | ServerName, id: string) => ask<true>(sup, { op: 'delete_child', id }),
  whichChildren: (sup: Pid | ServerName) => ask<ChildInfo[]>(sup, { op: 'which_children' }),
  countChildren: (sup: Pid | ServerName) => ask<ChildCounts>(sup, { op: 'count_children' }),
  /** A child spec for a nested supervisor. */
  childSpec: (
    id: string,
    spec: SupervisorSpec | RemoteSpec,
    options: Omit<ChildSpec, 'id' | 'start' | 'type'> & SupervisorStartOptions = {},
  ): ChildSpec => ({
    id,
    start: () => startLink(spec, { name: options.name, scheduler: options.scheduler }),
    type: 'supervisor',
    restart: options.restart,
    shutdown: options.shutdown,
  }),
} as const;
