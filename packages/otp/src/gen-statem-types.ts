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

const none: readonly never[] = [];

// Results and actions with nothing of their own are shared: they are immutable, and a handler
// that keeps its state and data then allocates nothing for its result.
const keptAll: KeepState<never, never> = { kind: 'keep_state', data: undefined, keepData: true, actions: none };
const repeatedAll: RepeatState<never, never> = { kind: 'repeat_state', data: undefined, keepData: true, actions: none };
const postponeAction: PostponeAction = { type: 'postpone' };
const hibernateAction: HibernateAction = { type: 'hibernate' };

export function statemOk<St, D, R = never>(
  state: St,
  data: D,
  actions: readonly Action<R>[] = none,
): StatemInitOk<St, D, R> {
  return { kind: 'ok', state, data, actions };
}
export function nextState<St, D, R = never>(
  state: St,
  data: D,
  actions: readonly Action<R>[] = none,
): NextState<St, D, R> {
  return { kind: 'next_state', state, data, actions };
}
export function keepState<D, R = never>(data: D, actions: readonly Action<R>[] = none): KeepState<D, R> {
  return { kind: 'keep_state', data, keepData: false, actions };
}
export function keepStateAndData<R = never>(actions: readonly Action<R>[] = none): KeepState<never, R> {
  if (actions.length === 0) return keptAll;
  return { kind: 'keep_state', data: undefined, keepData: true, actions };
}
export function repeatState<D, R = never>(data: D, actions: readonly Action<R>[] = none): RepeatState<D, R> {
  return { kind: 'repeat_state', data, keepData: false, actions };
}
export function repeatStateAndData<R = never>(actions: readonly Action<R>[] = none): RepeatState<never, R> {
  if (actions.length === 0) return repeatedAll;
  return { kind: 'repeat_state', data: undefined, keepData: true, actions };
}
/** {stop, Reason} without data, or {stop, Reason, Data}. */
export function statemStop<D = never>(reason: ExitReason, ...data: [D] | []): StatemStop<D> {
  return data.length === 0
    ? { kind: 'stop', reason, data: undefined, keepData: true }
    : { kind: 'stop', reason, data: data[0], keepData: false };
}
export function stopAndReply<R, D = never>(
  reason: ExitReason,
  replies: readonly ReplyAction<R>[],
  ...data: [D] | []
): StatemStopAndReply<D, R> {
  return data.length === 0
    ? { kind: 'stop_and_reply', reason, replies, data: undefined, keepData: true }
    : { kind: 'stop_and_reply', reason, replies, data: data[0], keepData: false };
}

export function replyAction<R>(from: From, value: R): ReplyAction<R> {
  return { type: 'reply', from, reply: value };
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
