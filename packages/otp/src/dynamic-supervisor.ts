/**
 * DynamicSupervisor: OTP's simple_one_for_one supervisor, a GenServer definition. Its spec:
 *
 *   { child, intensity?, period?, maxChildren? }
 *     child        ChildTemplate: { start(...extraArgs), restart?, shutdown?, type? }, the
 *                  ChildSpec fields and defaults of supervisor.ts; start runs as the supervisor
 *                  with startChild's arguments and returns Pid | 'ignore' (or a promise of one)
 *     intensity, period   as a Supervisor's (defaults 1 and 5)
 *     maxChildren  default Infinity; startChild beyond it rejects with MaxChildrenError
 *
 * Children are started on demand (startChild(sup, ...args)), restarted per the template's
 * `restart`, ended with terminateChild(sup, pid), and shut down together (in parallel, each by
 * its `shutdown`) when the supervisor stops. countChildren and whichChildren answer as
 * supervisor's do for simple_one_for_one.
 */
import { isExpectedShutdown, shutdownChild } from './child-shutdown';
import {
  normalizeChildSpec,
  normalizeFlags,
  type ChildType,
  type NormalizedFlags,
  type RestartType,
  type Shutdown,
} from './child-spec';
import type { LinkOptions, ProcessContext } from './context';
import { linkParent } from './linked-start';
import { currentNode } from './current';
import { BadArgError, ChildError, MaxChildrenError, OtpError } from './errors';
import { call, define, IgnoredError, startServer } from './gen-server';
import { noreply, ok, reply, stop, type InfoMessage } from './gen-server-types';
import { ExitMessage } from './messages';
import { describeValue, type ServerName } from './names';
import { Pid } from './pid';
import { processOf, type Process } from './process';
import { isNormalExit } from './reason';
import { RestartIntensity } from './restart-intensity';
import { stopSupervisor, type ChildInfo, type ChildCounts, type SupervisorStartOptions } from './supervisor';
import {
  reportChildTerminated,
  reportIntensity,
  reportRestarted,
  reportShutdownError,
  reportStartError,
} from './supervisor-report';

/** The template every child is started from; startChild's arguments are passed to `start`. */
export interface ChildTemplate<A extends unknown[]> {
  start: (...args: A) => Pid | 'ignore' | Promise<Pid | 'ignore'>;
  restart?: RestartType;
  shutdown?: Shutdown;
  type?: ChildType;
}

export interface DynamicSupervisorSpec<A extends unknown[]> {
  child: ChildTemplate<A>;
  intensity?: number;
  period?: number;
  /** startChild fails with MaxChildrenError beyond this many children (default: no limit). */
  maxChildren?: number;
}

interface Child {
  pid: Pid;
  args: unknown[];
}

type DynamicCall =
  | { op: 'start_child'; args: unknown[] }
  | { op: 'terminate_child'; pid: Pid }
  | { op: 'which_children' }
  | { op: 'count_children' };
type Outcome = { ok: unknown } | { error: Error };

interface Template {
  start: (...args: unknown[]) => Pid | 'ignore' | Promise<Pid | 'ignore'>;
  restart: RestartType;
  shutdown: Shutdown;
  type: ChildType;
}

class DynamicState {
  /** Keyed by pid id, in start order. */
  readonly children = new Map<number, Child>();
  /** Children whose restart failed and is being retried (OTP's dynamic_restarts): no pid yet. */
  restarting = 0;
  readonly intensity: RestartIntensity;
  constructor(
    readonly template: Template,
    readonly flags: NormalizedFlags,
    readonly maxChildren: number,
  ) {
    this.intensity = new RestartIntensity(flags.intensity, flags.period);
  }
}

async function startFromTemplate(sup: Process, template: Template, args: unknown[]): Promise<Pid | undefined> {
  let result: Pid | 'ignore';
  try {
    result = await sup.node.runAs(sup, () => template.start(...args));
  } catch (error) {
    if (error instanceof IgnoredError) return undefined;
    throw error;
  }
  if (result === 'ignore') return undefined;
  if (!(result instanceof Pid))
    throw new OtpError('bad_start', `child start returned ${String(result)}, not a pid or 'ignore'`);
  sup.link(result);
  return result;
}

async function terminate(sup: Process, state: DynamicState, child: Child): Promise<void> {
  state.children.delete(child.pid.id);
  const reason = await shutdownChild(sup, child.pid, state.template.shutdown);
  if (!isExpectedShutdown(state.template.shutdown, state.template.restart, reason))
    reportShutdownError(sup.node, sup.self, 'dynamic', child.pid, reason);
}

class RetryRestart {
  constructor(readonly args: unknown[]) {}
}

const dynamicServer = define<
  DynamicState,
  { template: Template; flags: NormalizedFlags; maxChildren: number },
  DynamicCall,
  Outcome,
  never,
  RetryRestart
>({
  name: 'dynamic_supervisor',
  init({ template, flags, maxChildren }) {
    return ok(new DynamicState(template, flags, maxChildren));
  },

  async handleCall(request, _from, state, ctx) {
    const sup = processOf(ctx);
    switch (request.op) {
      case 'start_child': {
        if (state.children.size >= state.maxChildren)
          return reply({ error: new MaxChildrenError(state.maxChildren) }, state);
        try {
          const pid = await startFromTemplate(sup, state.template, request.args);
          if (pid === undefined) return reply({ error: new IgnoredError('dynamic') }, state);
          state.children.set(pid.id, { pid, args: request.args });
          return reply({ ok: pid }, state);
        } catch (error) {
          reportStartError(sup.node, sup.self, 'dynamic', error, 'start_error');
          return reply({ error: error as Error }, state);
        }
      }
      case 'terminate_child': {
        const child = state.children.get(request.pid.id);
        if (child === undefined || !child.pid.equals(request.pid))
          return reply({ error: new ChildError('not_found', String(request.pid)) }, state);
        await terminate(sup, state, child);
        return reply({ ok: true }, state);
      }
      case 'which_children': {
        const { type, restart } = state.template;
        const rows = [...state.children.values()].map((c): ChildInfo => ({
          id: 'undefined',
          pid: c.pid,
          type,
          restart,
        }));
        for (let i = 0; i < state.restarting; i++) rows.push({ id: 'undefined', pid: 'restarting', type, restart });
        return reply({ ok: rows }, state);
      }
      case 'count_children': {
        // As supervisor:count_children/1 on simple_one_for_one: one spec (the template);
        // workers/supervisors count every child, active only those running now.
        const active = state.children.size;
        const all = active + state.restarting;
        const supervisors = state.template.type === 'supervisor' ? all : 0;
        const counts: ChildCounts = { specs: 1, active, supervisors, workers: all - supervisors };
        return reply({ ok: counts }, state);
      }
    }
  },

  async handleInfo(message: InfoMessage<RetryRestart>, state, ctx: ProcessContext) {
    const sup = processOf(ctx);
    let args: unknown[];
    if (message instanceof ExitMessage) {
      const child = state.children.get(message.from.id);
      if (child === undefined) return noreply(state);
      state.children.delete(message.from.id);
      reportChildTerminated(sup.node, sup.self, 'dynamic', message.from, message.reason);
      const restartType = state.template.restart;
      if (restartType === 'temporary' || (restartType === 'transient' && isNormalExit(message.reason)))
        return noreply(state);
      args = child.args;
    } else if (message instanceof RetryRestart) {
      state.restarting--;
      args = message.args;
    } else {
      return noreply(state);
    }
    if (!state.intensity.add()) {
      reportIntensity(sup.node, sup.self, state.intensity.recent, state.flags.intensity, state.flags.period);
      return stop('shutdown', state);
    }
    try {
      const pid = await startFromTemplate(sup, state.template, args);
      if (pid !== undefined) state.children.set(pid.id, { pid, args });
      reportRestarted(
        sup.node,
        sup.self,
        'dynamic',
        message instanceof ExitMessage ? message.from : undefined,
        pid,
        'restart',
      );
    } catch (error) {
      reportStartError(sup.node, sup.self, 'dynamic', error, 'restart_error');
      state.restarting++;
      sup.node.deliver(sup, new RetryRestart(args));
    }
    return noreply(state);
  },

  async terminate(_reason, state, ctx) {
    // Like simple_one_for_one: children are shut down together, not one by one.
    const sup = processOf(ctx);
    await Promise.all([...state.children.values()].map((child) => terminate(sup, state, child)));
  },
});

function prepare<A extends unknown[]>(spec: DynamicSupervisorSpec<A>) {
  const normalized = normalizeChildSpec(
    { id: 'template', ...spec.child, start: spec.child.start as () => Pid },
    'child',
  );
  const template: Template = {
    start: spec.child.start as Template['start'],
    restart: normalized.restart,
    shutdown: normalized.shutdown,
    type: normalized.type,
  };
  const maxChildren = spec.maxChildren === undefined ? Infinity : spec.maxChildren;
  if (maxChildren !== Infinity && !(Number.isInteger(maxChildren) && maxChildren >= 0)) {
    throw new BadArgError(`maxChildren: expected a whole number >= 0 or Infinity, got ${describeValue(maxChildren)}`);
  }
  return {
    template,
    flags: normalizeFlags({ strategy: 'one_for_one', intensity: spec.intensity, period: spec.period }),
    maxChildren,
  };
}

/** A supervisor whose children are started on demand from one template (simple_one_for_one). */
export interface DynamicSupervisorRef<A extends unknown[]> extends Pid {
  readonly __args?: A;
}

async function startDynamic<A extends unknown[]>(
  parent: Process | null,
  spec: DynamicSupervisorSpec<A>,
  options: SupervisorStartOptions,
) {
  const result = await startServer(currentNode(), parent, dynamicServer as never, prepare(spec), {
    ...options,
    trapExit: true,
  });
  if (result === 'ignore') throw new IgnoredError();
  return result as DynamicSupervisorRef<A>;
}

async function ask<T>(sup: Pid | ServerName, request: DynamicCall): Promise<T> {
  const outcome = (await call(sup, request, Infinity)) as Outcome;
  if ('error' in outcome) throw outcome.error;
  return outcome.ok as T;
}

export const DynamicSupervisor = {
  /** Linked to the calling process, or to `parent` (a callback's ctx) after an await. */
  startLink: async <A extends unknown[]>(
    spec: DynamicSupervisorSpec<A>,
    options: SupervisorStartOptions & LinkOptions = {},
  ) => {
    const { parent, ...startOptions } = options;
    return startDynamic(linkParent('DynamicSupervisor.startLink', parent), spec, startOptions);
  },
  start: <A extends unknown[]>(spec: DynamicSupervisorSpec<A>, options: SupervisorStartOptions = {}) =>
    startDynamic(null, spec, options),
  /** Shuts every child down (together, as simple_one_for_one does), then the supervisor; see Supervisor.stop. */
  stop: stopSupervisor,
  /**
   * Starts a child with these arguments appended to the template's start (OTP's extra
   * arguments). Rejects with IgnoredError if its start ignored (nothing is kept).
   */
  startChild: <A extends unknown[]>(sup: DynamicSupervisorRef<A> | Pid | ServerName, ...args: A) =>
    ask<Pid>(sup, { op: 'start_child', args }),
  terminateChild: (sup: Pid | ServerName, pid: Pid) => ask<true>(sup, { op: 'terminate_child', pid }),
  whichChildren: (sup: Pid | ServerName) => ask<ChildInfo[]>(sup, { op: 'which_children' }),
  countChildren: (sup: Pid | ServerName) => ask<ChildCounts>(sup, { op: 'count_children' }),
  childSpec: <A extends unknown[]>(
    id: string,
    spec: DynamicSupervisorSpec<A>,
    options: SupervisorStartOptions = {},
  ) => ({
    id,
    start: () => DynamicSupervisor.startLink(spec, options),
    type: 'supervisor' as const,
  }),
} as const;
