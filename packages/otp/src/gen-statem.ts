// Past 400 lines on purpose: the contract below is the module's documentation, as
// gen_statem.erl's is; Machine's event loop, postponed events and three kinds of timeout share
// one queue and one state, so they stay in one class (the types are in gen-statem-types.ts).
/**
 * GenStatem: OTP's gen_statem.
 *
 * The callback module (GenStatem.define) provides:
 *
 *   callbackMode   'state_functions': `states` holds one handler per state,
 *                    states[State](event, data, ctx);
 *                  'handle_event_function': one handleEvent(event, state, data, ctx).
 *   init(args, ctx) -> ok(State, Data, Actions?) | ignore() | stop(Reason)
 *   stateEnter?    true: the handler is called with { type: 'enter', oldState } after each
 *                  state change, after repeatState, and for the initial state (oldState is
 *                  the state itself). An enter call may not change state, postpone or insert
 *                  events. Default false.
 *   terminate?(reason, state, data, ctx): on stop, on a crash in a callback, and on shutdown
 *                  by the parent when the statem traps exits. Default: none.
 *
 * A handler returns nextState(State, Data, Actions?), keepState(Data, Actions?),
 * keepStateAndData(Actions?), repeatState(Data, Actions?), repeatStateAndData(Actions?),
 * stop(Reason, Data?) or stopAndReply(Reason, Replies, Data?). Events are
 * { type: 'call', request, from }, 'cast', 'info', 'timeout' (event timeout), 'state_timeout',
 * 'generic_timeout' (with its name), 'internal' (from nextEvent) and 'enter'.
 *
 * Actions, applied in order: reply(from, value); postpone() (retry this event after the next
 * state change); nextEvent(type, content) (handled before anything in the mailbox, the first
 * action first); hibernate() (once the
 * events are handled, the process hibernates as a GenServer does, see hibernate() in
 * gen-server-types.ts, and the definition's optional hibernate(data) compacts the data); eventTimeout(ms, content) (cancelled by
 * any event); stateTimeout(ms, content) (cancelled by a state change); genericTimeout(name,
 * ms, content) (by name only). Setting a running timeout again restarts it; Infinity or
 * cancelTimeout() cancels it; 0 enqueues its event at once, behind what the mailbox holds.
 *
 * On a state change (the new state differs by value), postponed events are retried first,
 * in the order they came, after the events that nextEvent inserted.
 *
 * A statem runs as a GenServer definition (as OTP's supervisor is a gen_server), so start,
 * startLink, names (via included), supervisors, other schedulers and stop are GenServer's.
 * As in gen_statem, the initial enter call and the events init inserts run after the start
 * has returned and before any message (a message the statem sends itself in init makes sure
 * they run even if none comes). Nothing of this file touches the runtime's internals.
 */
import { isDeepStrictEqual } from 'node:util';
import type { From } from './call';
import type { ChildSpec } from './child-spec';
import type { LinkOptions, ProcessContext } from './context';
import { BadArgError, NoStateHandlerError } from './errors';
import { GenServer, type RemoteDef } from './gen-server';
import {
  hibernate,
  ignore,
  noreply,
  ok,
  stop,
  type CastResult,
  type GenServerDef,
  type InfoMessage,
  type InitResult,
  type MaybePromise,
  type ServerPid,
  type StartOptions,
} from './gen-server-types';
import { TimeoutFired, StatemTimeouts } from './gen-statem-timeouts';
import * as t from './gen-statem-types';
import type {
  Action,
  EnterEvent,
  EventResult,
  HandleEventDef,
  StateFunctionsDef,
  StatemEvent,
  StatemInitResult,
  TimeoutAction,
} from './gen-statem-types';
import type { ExitReason } from './reason';

type AnyEvent = StatemEvent<unknown, unknown, unknown, unknown>;
type AnyResult = EventResult<unknown, unknown, unknown>;
// any: the internal view of a definition whatever its states (a handler per state key).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- internal, as the line above says
type AnyStates = any;
type AnyStatemDef =
  | StateFunctionsDef<AnyStates, unknown, unknown, unknown, unknown, unknown, unknown>
  | HandleEventDef<unknown, unknown, unknown, unknown, unknown, unknown, unknown>;
type Outcome = CastResult<Machine>;

/** Sent to itself by a statem in init, so its start work runs even if no message comes. */
const startWork = Symbol('gen_statem start');

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/**
 * The enter call's event, made by the loop only: a class, so the loop tells it from the
 * others with `instanceof` instead of reading `type` off events of seven shapes.
 */
class EnterRecord<St> implements EnterEvent<St> {
  declare readonly type: 'enter';
  declare readonly oldState: St;
  constructor(oldState: St) {
    this.type = 'enter';
    this.oldState = oldState;
  }
}

function sameState(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && isDeepStrictEqual(a, b));
}

/** One statem's state, data, queues and timers: the GenServer state of its process. */
export class Machine {
  /** Events to handle before the next message: enter calls, inserted events, retried postponed ones. */
  private queue: AnyEvent[] = [];
  private postponed: AnyEvent[] = [];
  /** The event timeout the last transition asked for, started once the queue is empty. */
  private pendingEventTimeout: TimeoutAction | undefined;
  /** Set by actions() when they hold a postpone. */
  private postponing = false;
  /** Set by a hibernate action: the events done, the GenServer hibernates the process. */
  private hibernating = false;
  /** The GenServer outcome of every event that does not stop the statem: its state is always this. */
  private readonly carryOn: Outcome = noreply(this);
  private readonly carryOnHibernating: Outcome = noreply(this, hibernate());
  readonly timeouts: StatemTimeouts;

  constructor(
    private readonly def: AnyStatemDef,
    private readonly ctx: ProcessContext,
    public state: unknown,
    public data: unknown,
  ) {
    this.timeouts = new StatemTimeouts(def.timers, ctx);
  }

  /** init's actions, then the initial enter call, both run as the start work. */
  begin(actions: readonly Action<unknown>[]): void {
    const inserted = this.actions(actions, false, 'init');
    if (this.def.stateEnter === true) this.queue.push(new EnterRecord(this.state));
    if (inserted !== null) this.queue.push(...inserted);
  }

  /**
   * A call, cast or message from the mailbox. With nothing queued before it and a result that
   * only keeps the state (with a reply, or none), the event is handled here and the loop
   * below is skipped: nothing can have been queued, no event timeout or hibernation asked for.
   */
  handle(event: AnyEvent): MaybePromise<Outcome> {
    if (this.queue.length !== 0) return this.drive(event);
    // Any event cancels the event timeout, running or about to start (init's, before the start work runs).
    this.pendingEventTimeout = undefined;
    if (this.timeouts.eventTimeoutRunning) this.timeouts.cancel('timeout');
    const result = this.invoke(event);
    if (isPromise(result)) return this.resume(result, event, null);
    if (this.keptWithReply(result)) return this.carryOn;
    return this.apply(result, event) ?? this.drive(null);
  }

  /** Handles the queued events, then `event` (if any) and whatever it queues. */
  drive(event: AnyEvent | null): MaybePromise<Outcome> {
    for (;;) {
      let next: AnyEvent | undefined = this.queue.length === 0 ? undefined : this.queue.shift();
      if (next === undefined) {
        if (event === null) break;
        next = event;
        event = null;
      }
      const current = next;
      if (!(current instanceof EnterRecord)) {
        // Any event cancels the event timeout, running or about to start.
        this.pendingEventTimeout = undefined;
        if (this.timeouts.eventTimeoutRunning) this.timeouts.cancel('timeout');
      }
      const result = this.invoke(current);
      if (isPromise(result)) return this.resume(result, current, event);
      const stopped = this.apply(result, current);
      if (stopped !== undefined) return stopped;
    }
    const timeout = this.pendingEventTimeout;
    if (timeout !== undefined) {
      this.pendingEventTimeout = undefined;
      this.timeouts.set('timeout', undefined, timeout.ms, timeout.message);
    }
    if (this.hibernating) {
      this.hibernating = false;
      return this.carryOnHibernating;
    }
    return this.carryOn;
  }

  /**
   * An async handler's result: applied once it settles, then the loop goes on. Out of drive,
   * so drive captures nothing in a closure (a captured loop variable costs a context object
   * on every event, async or not).
   */
  private resume(result: Promise<AnyResult>, current: AnyEvent, rest: AnyEvent | null): Promise<Outcome> {
    return result.then((r) => this.apply(r, current) ?? this.drive(rest));
  }

  /**
   * GenServer's hibernate hook for the statem: the queues' spare storage goes (an array keeps
   * its backing store after shift), then the definition's own hibernate(data), if any.
   */
  compact(): void {
    if (this.queue.length === 0) this.queue = [];
    if (this.postponed.length === 0) this.postponed = [];
    if (this.def.hibernate !== undefined) this.data = this.def.hibernate(this.data);
  }

  /** In state_functions mode, a state must have a handler (NoStateHandlerError). */
  checkState(state: unknown): void {
    const def = this.def;
    if (def.callbackMode === 'state_functions' && typeof def.states[state as string] !== 'function')
      throw new NoStateHandlerError(String(state));
  }

  private invoke(event: AnyEvent): MaybePromise<AnyResult> {
    const def = this.def;
    if (def.callbackMode === 'handle_event_function') return def.handleEvent(event, this.state, this.data, this.ctx);
    const handler = def.states[this.state as string];
    if (typeof handler !== 'function') {
      const error = new NoStateHandlerError(String(this.state));
      if (event.type === 'call') event.from.fail(error);
      throw error;
    }
    return handler(event, this.data, this.ctx);
  }

  /** Applies a handler's result; returns the GenServer outcome if the statem stops. */
  private apply(result: AnyResult, event: AnyEvent): Outcome | undefined {
    if (this.keptWithReply(result)) return undefined;
    const enter = event instanceof EnterRecord;
    switch (result?.kind) {
      case 'stop':
        if (!result.keepData) this.data = result.data;
        return stop(result.reason, this);
      case 'stop_and_reply':
        if (!result.keepData) this.data = result.data;
        for (const r of result.replies) r.from.reply(r.reply);
        return stop(result.reason, this);
      case 'next_state':
      case 'keep_state':
      case 'repeat_state':
        break;
      default:
        throw new BadArgError(
          `a state handler returned ${String(result)}: expected nextState(), keepState(), repeatState(), stop() or stopAndReply()`,
        );
    }
    const oldState = this.state;
    let changed = false;
    if (result.kind === 'next_state') {
      changed = !sameState(result.state, oldState);
      if (enter && changed)
        throw new BadArgError(
          `a state enter call may not change state (from ${String(oldState)} to ${String(result.state)})`,
        );
      if (changed) this.checkState(result.state);
      this.state = result.state;
      this.data = result.data;
    } else if (!result.keepData) {
      this.data = result.data;
    }
    const inserted =
      result.actions.length === 0 ? null : this.actions(result.actions, changed, enter ? 'enter' : 'event');
    if (this.postponing) {
      this.postponing = false;
      if (enter) throw new BadArgError('a state enter call may not postpone');
      this.postponed.push(event);
    } else if (changed && result.actions.length === 0) {
      this.timeouts.cancel('state_timeout'); // with actions, actions() did, before setting theirs
    }
    if (changed && this.postponed.length > 0) {
      this.queue = this.queue.length === 0 ? this.postponed : [...this.postponed, ...this.queue];
      this.postponed = [];
    }
    // repeatState from an enter call is keepState: the enter call does not run again.
    const entering = (changed || (result.kind === 'repeat_state' && !enter)) && this.def.stateEnter === true;
    if (inserted !== null)
      this.queue = entering ? [new EnterRecord(oldState), ...inserted, ...this.queue] : [...inserted, ...this.queue];
    else if (entering) this.queue.unshift(new EnterRecord(oldState));
    return undefined;
  }

  /**
   * keepState with no action or one reply (the common result of a call), a builder's or a literal:
   * applied here, as the general path would, without the checks that cannot apply to it.
   * Returns false, having changed nothing, for anything else.
   */
  private keptWithReply(result: AnyResult): boolean {
    if (result?.kind !== 'keep_state') return false;
    const actions = result.actions;
    let reply: t.ReplyAction<unknown> | undefined;
    if (actions.length === 1) {
      const only = actions[0];
      if (only?.type !== 'reply') return false;
      reply = only;
    } else if (actions.length !== 0) return false;
    if (!result.keepData) this.data = result.data;
    if (reply !== undefined) (reply.from as From<unknown>).reply(reply.reply);
    return true;
  }

  /** Runs replies and timeouts now; returns the events nextEvent inserts, in order. */
  private actions(
    actions: readonly Action<unknown>[],
    changed: boolean,
    where: 'init' | 'enter' | 'event',
  ): AnyEvent[] | null {
    // A state change cancels the state timeout before this transition's own timeouts apply.
    if (changed) this.timeouts.cancel('state_timeout');
    let inserted: AnyEvent[] | null = null;
    this.postponing = false;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i];
      switch (action?.type) {
        case 'reply':
          (action.from as From<unknown>).reply(action.reply);
          break;
        case 'postpone':
          if (where === 'init') throw new BadArgError('init may not postpone');
          this.postponing = true;
          break;
        case 'next_event':
          if (where === 'enter') throw new BadArgError('a state enter call may not insert events');
          (inserted ??= []).push(action.event);
          break;
        case 'hibernate':
          this.hibernating = true;
          break;
        case 'set_timeout':
          if (typeof action.ms !== 'number' || !(action.ms >= 0))
            throw new BadArgError(`a ${action.kind} of ${String(action.ms)} ms`);
          if (action.kind === 'timeout') this.pendingEventTimeout = action.ms === Infinity ? undefined : action;
          else this.timeouts.set(action.kind, action.name, action.ms, action.message);
          break;
        default:
          throw new BadArgError(`not an action: ${String(action)}`);
      }
    }
    return inserted;
  }
}

/** A GenStatem's definition as the GenServer it runs as, carrying the statem's own types. */
export type StatemDef<St, D, A, C, R, Ca, I> = GenServerDef<Machine, A, C, R, Ca, I> & {
  readonly [statemTypes]?: { state: St; data: D };
};
declare const statemTypes: unique symbol;

/** Captures a statem callback module's types, and makes the GenServer definition it runs as. */
export function define<St extends string, D, A = void, C = never, R = never, Ca = never, I = never>(
  def: StateFunctionsDef<St, D, A, C, R, Ca, I>,
): StatemDef<St, D, A, C, R, Ca, I>;
export function define<St, D, A = void, C = never, R = never, Ca = never, I = never>(
  def: HandleEventDef<St, D, A, C, R, Ca, I>,
): StatemDef<St, D, A, C, R, Ca, I>;
export function define(def: AnyStatemDef): GenServerDef<Machine, unknown, unknown, unknown, unknown, unknown> {
  if (def.callbackMode !== 'state_functions' && def.callbackMode !== 'handle_event_function') {
    throw new BadArgError(
      `callbackMode must be 'state_functions' or 'handle_event_function', got ${String((def as { callbackMode?: unknown }).callbackMode)}`,
    );
  }
  const started = (result: StatemInitResult<unknown, unknown, unknown>, ctx: ProcessContext): InitResult<Machine> => {
    if (result?.kind !== 'ok') return result as InitResult<Machine>; // ignore or stop: GenServer checks them
    const machine = new Machine(def, ctx, result.state, result.data);
    machine.checkState(result.state);
    machine.begin(result.actions);
    ctx.send(ctx.self, startWork);
    return ok(machine);
  };
  return {
    name: def.name === undefined ? 'gen_statem' : `gen_statem:${def.name}`,
    init(args, ctx) {
      const result = def.init(args, ctx);
      return isPromise(result) ? result.then((r) => started(r, ctx)) : started(result, ctx);
    },
    handleCall: (request, from, machine) => machine.handle({ type: 'call', request, from }),
    handleCast: (message, machine) => machine.handle({ type: 'cast', message }),
    handleInfo(message: InfoMessage<unknown>, machine) {
      if (message === startWork) return machine.drive(null);
      if (message instanceof TimeoutFired) {
        if (!machine.timeouts.take(message)) return noreply(machine); // cancelled or restarted since
        const event: AnyEvent =
          message.kind === 'generic_timeout'
            ? { type: 'generic_timeout', name: message.name as string, message: message.message }
            : { type: message.kind, message: message.message };
        return machine.drive(event);
      }
      return machine.handle({ type: 'info', message });
    },
    // sys sees { state, data }, as gen_statem's [State, Data].
    systemState: {
      get: (machine: Machine) => ({ state: machine.state, data: machine.data }),
      replace: (machine: Machine, view: unknown) => {
        const { state, data } = view as { state: unknown; data: unknown };
        machine.checkState(state); // throws before anything changes: sys rejects, the statem keeps its state
        machine.state = state;
        machine.data = data;
        return machine;
      },
    },
    hibernate: (machine: Machine) => {
      machine.compact();
      return machine;
    },
    formatStatus: (machine: Machine) =>
      def.formatStatus === undefined
        ? { state: machine.state, data: machine.data }
        : def.formatStatus(machine.state, machine.data),
    terminate(reason: ExitReason, machine: Machine, ctx: ProcessContext) {
      machine.timeouts.cancelAll();
      return def.terminate?.(reason, machine.state, machine.data, ctx);
    },
  };
}

/** Names a statem definition by module and export, so it can start on any scheduler. */
export function remote<D>(module: string, exportName: string): RemoteDef<D> {
  return GenServer.remote<D>(module, exportName);
}

/** gen_statem:reply/2: answers a call now, outside the actions (a `from` kept for later). */
export function sendReply<R>(from: From<R>, value: NoInfer<R>): boolean {
  return from.reply(value);
}

/** gen_statem:start: as GenServer.start; init's argument is checked against the definition's. */
export function start<S, A, C, R, Ca, I>(
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: NoInfer<A>,
  options?: StartOptions,
): Promise<ServerPid<GenServerDef<S, A, C, R, Ca, I>>> {
  return GenServer.start(def, args, options);
}

/** gen_statem:start_link: as GenServer.startLink (pass `{ parent: ctx }` after an await). */
export function startLink<S, A, C, R, Ca, I>(
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: NoInfer<A>,
  options?: StartOptions & LinkOptions,
): Promise<ServerPid<GenServerDef<S, A, C, R, Ca, I>>> {
  return GenServer.startLink(def, args, options);
}

/** A supervisor child spec that starts the statem linked, as GenServer.childSpec. */
export function childSpec<S, A, C, R, Ca, I>(
  id: string,
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: NoInfer<A>,
  options?: StartOptions & Omit<ChildSpec, 'id' | 'start'>,
): ChildSpec {
  return GenServer.childSpec(id, def, args, options);
}

/** The GenStatem API in one namespace, with gen_statem's names. */
export const GenStatem = {
  define,
  remote,
  start,
  startLink,
  call: GenServer.call,
  cast: GenServer.cast,
  stop: GenServer.stop,
  childSpec,
  ref: GenServer.ref,
  sendReply,
  ok: t.statemOk,
  /** From init: nothing starts (see IgnoredError). */
  ignore,
  /** From init: the start fails with the reason. */
  initStop: (reason: ExitReason) => stop(reason, undefined),
  nextState: t.nextState,
  keepState: t.keepState,
  keepStateAndData: t.keepStateAndData,
  repeatState: t.repeatState,
  repeatStateAndData: t.repeatStateAndData,
  /** {stop, Reason[, Data]} from a handler (GenStatem.stop stops a running statem, as gen_statem:stop). */
  stopWith: t.statemStop,
  stopAndReply: t.stopAndReply,
  reply: t.replyAction,
  postpone: t.postpone,
  hibernate: t.hibernate,
  nextEvent: t.nextEvent,
  eventTimeout: t.eventTimeout,
  stateTimeout: t.stateTimeout,
  genericTimeout: t.genericTimeout,
  cancelTimeout: t.cancelTimeout,
} as const;

export type { ServerPid };
