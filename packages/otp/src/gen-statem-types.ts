/**
 * The types of a GenStatem callback module, its events, results and actions, with
 * constructors named after gen_statem's tuples. See gen-statem.ts for the contract.
 */
import type { From } from './call';
import type { ProcessContext } from './context';
import type { Ignore, MaybePromise, StopResult } from './gen-server-types';
import type { SystemMessage } from './messages';
import type { ExitReason } from './reason';

// ---- events ------------------------------------------------------------------

/** {call, From}: answer with a reply action (now or later, by keeping `from`). */
export interface CallEvent<C> {
  readonly type: 'call';
  readonly request: C;
  readonly from: From;
}
export interface CastEvent<Ca> {
  readonly type: 'cast';
  readonly message: Ca;
}
/** Any other message: the statem's own I, and EXIT/DOWN messages. */
export interface InfoEvent<I> {
  readonly type: 'info';
  readonly message: I | SystemMessage;
}
/** An event timeout, state timeout or generic (named) timeout that fired, with the content it was set with. */
export interface TimeoutEvent {
  readonly type: 'timeout' | 'state_timeout';
  readonly message: unknown;
}
export interface GenericTimeoutEvent {
  readonly type: 'generic_timeout';
  readonly name: string;
  readonly message: unknown;
}
/** Inserted by a nextEvent('internal', ...) action. */
export interface InternalEvent {
  readonly type: 'internal';
  readonly message: unknown;
}
/** A state enter call (with stateEnter: true): `oldState` is the state left, or the initial state itself after init. */
export interface EnterEvent<St> {
  readonly type: 'enter';
  readonly oldState: St;
}

/**
 * What a handler receives: C the call requests, Ca the casts, I the other messages, St the
 * states (for the enter call; leave it out without stateEnter).
 */
export type StatemEvent<C = never, Ca = never, I = never, St = never> =
  CallEvent<C> | CastEvent<Ca> | InfoEvent<I> | TimeoutEvent | GenericTimeoutEvent | InternalEvent | EnterEvent<St>;

// ---- actions -----------------------------------------------------------------

/** {reply, From, Reply} */
export interface ReplyAction<R> {
  readonly type: 'reply';
  readonly from: From;
  readonly reply: R;
}
/** postpone: keep this event and retry it after the next state change. */
export interface PostponeAction {
  readonly type: 'postpone';
}
/** {next_event, Type, Content}: handled next, before any message in the mailbox. */
export interface NextEventAction {
  readonly type: 'next_event';
  readonly event: CallEvent<unknown> | CastEvent<unknown> | InfoEvent<unknown> | InternalEvent;
}
/**
 * hibernate: once the events queued are handled, the process hibernates (its mailbox storage
 * shrinks, the statem's queues and the definition's hibernate(data) hook compact).
 */
export interface HibernateAction {
  readonly type: 'hibernate';
}
/**
 * A timeout to start (ms), restart, or cancel (ms = Infinity, or cancelTimeout()).
 * 'timeout' is the event timeout (cancelled by any event), 'state_timeout' is cancelled
 * by a state change, 'generic_timeout' by name only.
 */
export interface TimeoutAction {
  readonly type: 'set_timeout';
  readonly kind: 'timeout' | 'state_timeout' | 'generic_timeout';
  readonly name?: string;
  readonly ms: number;
  readonly message: unknown;
}

/** What an enter call may return in its actions: no postpone and no next_event, as in gen_statem. */
export type EnterAction<R = unknown> = ReplyAction<R> | HibernateAction | TimeoutAction;
export type Action<R = unknown> = EnterAction<R> | PostponeAction | NextEventAction;

// ---- results -----------------------------------------------------------------

/** {next_state, State, Data, Actions}: a new state (or the same one: no state change then). */
export interface NextState<St, D, R> {
  readonly kind: 'next_state';
  readonly state: St;
  readonly data: D;
  readonly actions: readonly Action<R>[];
}
/** keep_state / keep_state_and_data (data undefined and keepData true). */
export interface KeepState<D, R> {
  readonly kind: 'keep_state';
  readonly data: D | undefined;
  readonly keepData: boolean;
  readonly actions: readonly Action<R>[];
}
/** repeat_state / repeat_state_and_data: as keep_state, and the enter call runs again. */
export interface RepeatState<D, R> {
  readonly kind: 'repeat_state';
  readonly data: D | undefined;
  readonly keepData: boolean;
  readonly actions: readonly Action<R>[];
}
/** {stop, Reason} / {stop, Reason, Data}. */
export interface StatemStop<D> {
  readonly kind: 'stop';
  readonly reason: ExitReason;
  readonly data: D | undefined;
  readonly keepData: boolean;
}
/** {stop_and_reply, Reason, Replies[, Data]}: replies are sent, then terminate runs. */
export interface StatemStopAndReply<D, R> {
  readonly kind: 'stop_and_reply';
  readonly reason: ExitReason;
  readonly replies: readonly ReplyAction<R>[];
  readonly data: D | undefined;
  readonly keepData: boolean;
}

export type EventResult<St, D, R = unknown> =
  NextState<St, D, R> | KeepState<D, R> | RepeatState<D, R> | StatemStop<D> | StatemStopAndReply<D, R>;

/** {ok, State, Data, Actions} from init. */
export interface StatemInitOk<St, D, R> {
  readonly kind: 'ok';
  readonly state: St;
  readonly data: D;
  readonly actions: readonly Action<R>[];
}
export type StatemInitResult<St, D, R = unknown> = StatemInitOk<St, D, R> | Ignore | StopResult<unknown>;

// ---- the callback module -----------------------------------------------------

/** Timers for the statem's timeouts; the default is erlang:send_after. Tests pass a manual clock. */
export interface StatemTimers {
  /** Calls `fire` after `ms` (> 0); returns a handle for cancel. */
  start(ms: number, fire: () => void): unknown;
  cancel(handle: unknown): void;
}

interface StatemCommon<St, D, A, R> {
  /** A label for introspection and logs. */
  readonly name?: string;
  init(args: A, ctx: ProcessContext): MaybePromise<StatemInitResult<St, D, R>>;
  /** Call the handler with an EnterEvent on each state change, and for the initial state. */
  readonly stateEnter?: boolean;
  terminate?(reason: ExitReason, state: St, data: D, ctx: ProcessContext): void | Promise<void>;
  /** format_status: what sys.getStatus and sys.getState show (redact secrets here). Default: { state, data }. */
  formatStatus?(state: St, data: D): unknown;
  /** Called on a hibernate action: return the data with its caches dropped. Default: the data. */
  hibernate?(data: D): D;
  /** For tests: drive the timeouts with a clock of your own. */
  readonly timers?: StatemTimers;
}

/** callback_mode() -> state_functions: one handler per state. */
export interface StateFunctionsDef<St extends string, D, A, C, R, Ca, I> extends StatemCommon<St, D, A, R> {
  readonly callbackMode: 'state_functions';
  readonly states: { readonly [K in St]: StateHandler<St, D, C, R, Ca, I> };
}

/** callback_mode() -> handle_event_function: one handler gets the state and the event. */
export interface HandleEventDef<St, D, A, C, R, Ca, I> extends StatemCommon<St, D, A, R> {
  readonly callbackMode: 'handle_event_function';
  handleEvent(
    event: StatemEvent<C, Ca, I, St>,
    state: St,
    data: D,
    ctx: ProcessContext,
  ): MaybePromise<EventResult<St, D, R>>;
}

/**
 * One state's handler. Declared as a method so a handler of a statem without stateEnter may
 * take StatemEvent<C, Ca, I> (no enter events) rather than the full union.
 */
export type StateHandler<St, D, C, R, Ca, I> = {
  handle(event: StatemEvent<C, Ca, I, St>, data: D, ctx: ProcessContext): MaybePromise<EventResult<St, D, R>>;
}['handle'];

// ---- constructors ------------------------------------------------------------

/**
 * @internal Every result a builder returns is this one class with every field present, in one
 * order, as GenServer's results are (Result in gen-server-types.ts): the statem's loop reads
 * `kind`, `data` and `actions` from whatever a handler returned, and object literals of four
 * shapes (next_state, keep_state/repeat_state, stop, stop_and_reply) made those reads
 * polymorphic in a program whose statems return several kinds. Fields a kind does not have are
 * undefined, as on the literals, so a result still compares equal to its literal.
 */
export class StatemResult {
  // Declared, and assigned in the constructor: emitted class fields would define each one
  // as undefined first (ES2022 [[Define]] semantics), twice the stores for every result.
  declare readonly kind: 'ok' | 'next_state' | 'keep_state' | 'repeat_state' | 'stop' | 'stop_and_reply';
  declare readonly state: unknown;
  declare readonly data: unknown;
  declare readonly keepData: boolean | undefined;
  declare readonly actions: readonly Action<unknown>[] | undefined;
  declare readonly reason: ExitReason | undefined;
  declare readonly replies: readonly ReplyAction<unknown>[] | undefined;
  constructor(
    kind: StatemResult['kind'],
    state: unknown,
    data: unknown,
    keepData: boolean | undefined,
    actions: readonly Action<unknown>[] | undefined,
    reason: ExitReason | undefined,
    replies: readonly ReplyAction<unknown>[] | undefined,
  ) {
    this.kind = kind;
    this.state = state;
    this.data = data;
    this.keepData = keepData;
    this.actions = actions;
    this.reason = reason;
    this.replies = replies;
  }
}

/**
 * @internal A reply action: a class of its own, so the loop tells it from the other actions with
 * one `instanceof` and reads `from` and `reply` off one shape (the actions of all kinds are
 * literals of six shapes). A literal `{ type: 'reply', from, reply }` still works.
 */
export class ReplyRecord<R> implements ReplyAction<R> {
  declare readonly type: 'reply';
  declare readonly from: From;
  declare readonly reply: R;
  constructor(from: From, reply: R) {
    this.type = 'reply';
    this.from = from;
    this.reply = reply;
  }
}

const none: readonly never[] = [];

// Results and actions with nothing of their own are shared: they are immutable, and a handler
// that keeps its state and data then allocates nothing for its result.
const keptAll = new StatemResult('keep_state', undefined, undefined, true, none, undefined, undefined);
const repeatedAll = new StatemResult('repeat_state', undefined, undefined, true, none, undefined, undefined);
const postponeAction: PostponeAction = { type: 'postpone' };
const hibernateAction: HibernateAction = { type: 'hibernate' };

export function statemOk<St, D, R = never>(
  state: St,
  data: D,
  actions: readonly Action<R>[] = none,
): StatemInitOk<St, D, R> {
  return new StatemResult('ok', state, data, undefined, actions, undefined, undefined) as StatemInitOk<St, D, R>;
}
export function nextState<St, D, R = never>(
  state: St,
  data: D,
  actions: readonly Action<R>[] = none,
): NextState<St, D, R> {
  return new StatemResult('next_state', state, data, undefined, actions, undefined, undefined) as NextState<St, D, R>;
}
export function keepState<D, R = never>(data: D, actions: readonly Action<R>[] = none): KeepState<D, R> {
  return new StatemResult('keep_state', undefined, data, false, actions, undefined, undefined) as KeepState<D, R>;
}
export function keepStateAndData<R = never>(actions: readonly Action<R>[] = none): KeepState<never, R> {
  if (actions === none || actions.length === 0) return keptAll as KeepState<never, R>;
  return new StatemResult('keep_state', undefined, undefined, true, actions, undefined, undefined) as KeepState<
    never,
    R
  >;
}
export function repeatState<D, R = never>(data: D, actions: readonly Action<R>[] = none): RepeatState<D, R> {
  return new StatemResult('repeat_state', undefined, data, false, actions, undefined, undefined) as RepeatState<D, R>;
}
export function repeatStateAndData<R = never>(actions: readonly Action<R>[] = none): RepeatState<never, R> {
  if (actions === none || actions.length === 0) return repeatedAll as RepeatState<never, R>;
  return new StatemResult('repeat_state', undefined, undefined, true, actions, undefined, undefined) as RepeatState<
    never,
    R
  >;
}
/** {stop, Reason} without data, or {stop, Reason, Data}. */
export function statemStop<D = never>(reason: ExitReason, ...data: [D] | []): StatemStop<D> {
  return (
    data.length === 0
      ? new StatemResult('stop', undefined, undefined, true, undefined, reason, undefined)
      : new StatemResult('stop', undefined, data[0], false, undefined, reason, undefined)
  ) as StatemStop<D>;
}
export function stopAndReply<R, D = never>(
  reason: ExitReason,
  replies: readonly ReplyAction<R>[],
  ...data: [D] | []
): StatemStopAndReply<D, R> {
  return (
    data.length === 0
      ? new StatemResult('stop_and_reply', undefined, undefined, true, undefined, reason, replies)
      : new StatemResult('stop_and_reply', undefined, data[0], false, undefined, reason, replies)
  ) as StatemStopAndReply<D, R>;
}

export function replyAction<R>(from: From, value: R): ReplyAction<R> {
  return new ReplyRecord(from, value);
}
export function postpone(): PostponeAction {
  return postponeAction;
}
export function hibernate(): HibernateAction {
  return hibernateAction;
}
export function nextEvent(type: 'internal' | 'cast' | 'info', message: unknown): NextEventAction {
  return {
    type: 'next_event',
    event: type === 'internal' ? { type, message } : type === 'cast' ? { type, message } : { type, message },
  };
}
/** {timeout, Time, Content}: fires unless an event arrives first; Infinity starts nothing. */
export function eventTimeout(ms: number, message: unknown = 'timeout'): TimeoutAction {
  return { type: 'set_timeout', kind: 'timeout', ms, message };
}
/** {state_timeout, Time, Content}: restarts if set again; a state change cancels it; Infinity cancels it. */
export function stateTimeout(ms: number, message: unknown = 'timeout'): TimeoutAction {
  return { type: 'set_timeout', kind: 'state_timeout', ms, message };
}
/** {{timeout, Name}, Time, Content}: restarts if set again; Infinity cancels it. */
export function genericTimeout(name: string, ms: number, message: unknown = 'timeout'): TimeoutAction {
  return { type: 'set_timeout', kind: 'generic_timeout', name, ms, message };
}
/** {state_timeout, cancel} or {{timeout, Name}, cancel}. */
export function cancelTimeout(which: 'state_timeout' | { name: string }): TimeoutAction {
  return which === 'state_timeout'
    ? { type: 'set_timeout', kind: 'state_timeout', ms: Infinity, message: undefined }
    : { type: 'set_timeout', kind: 'generic_timeout', name: which.name, ms: Infinity, message: undefined };
}
