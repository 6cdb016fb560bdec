import type { From } from './call';
import type { ProcessContext } from './context';
import type { SystemMessage } from './messages';
import type { Placement } from './cluster/remote';
import type { ServerName } from './names';
import type { Pid } from './pid';
import type { ExitReason } from './reason';

/** {continue, Arg}: handleContinue(arg, state) runs next, before any message. */
export interface Continue {
  readonly kind: 'continue';
  readonly arg: unknown;
}

/** hibernate: the process sheds what it holds for speed before it waits (see hibernate()). */
export interface Hibernate {
  readonly kind: 'hibernate';
}

/** What may follow a result's state: an inactivity timeout (ms), a continuation or hibernation. */
export type After = number | Continue | Hibernate;

/** {ok, State}, {ok, State, Timeout}, {ok, State, {continue, Arg}} or {ok, State, hibernate} from init. */
export interface InitOk<S> {
  readonly kind: 'ok';
  readonly state: S;
  readonly timeout?: number;
  readonly next?: Continue | Hibernate;
}

/** `ignore` from init: the server does not start, and a supervisor keeps the child as not running. */
export interface Ignore {
  readonly kind: 'ignore';
}

/** {reply, Reply, State} */
export interface ReplyResult<S, R> {
  readonly kind: 'reply';
  readonly reply: R;
  readonly state: S;
  readonly timeout?: number;
  readonly next?: Continue | Hibernate;
}

/** {noreply, State}: no reply now; handleCall keeps `from` and answers later with reply(from, ...). */
export interface NoReplyResult<S> {
  readonly kind: 'noreply';
  readonly state: S;
  readonly timeout?: number;
  readonly next?: Continue | Hibernate;
}

/** {stop, Reason, State} or {stop, Reason, Reply, State}: terminate is called, then the process exits. */
export interface StopResult<S, R = never> {
  readonly kind: 'stop';
  readonly reason: ExitReason;
  readonly state: S;
  readonly hasReply: boolean;
  readonly reply?: R;
}

export type InitResult<S> = InitOk<S> | Ignore | StopResult<S>;
export type CallResult<S, R> = ReplyResult<S, R> | NoReplyResult<S> | StopResult<S, R>;
export type CastResult<S> = NoReplyResult<S> | StopResult<S>;

/** A callback's result, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** What handleInfo may receive: the server's own Info type, EXIT/DOWN messages, and inactivity 'timeout'. */
export type InfoMessage<I> = I | SystemMessage | 'timeout';

/**
 * A gen_server callback module. S is the state, A the init argument, C the
 * call requests and R their replies, Ca the casts, I the other messages.
 */
export interface GenServerDef<S, A = void, C = never, R = unknown, Ca = never, I = unknown> {
  /** A label for introspection and logs. */
  readonly name?: string;
  init(args: A, ctx: ProcessContext): MaybePromise<InitResult<S>>;
  /**
   * `from` is typed loosely on purpose: were it From<R>, TypeScript would fix R
   * before reading it off the returned reply(). Annotate it (From<MyReply>) to
   * type deferred replies.
   */
  handleCall?(request: C, from: From, state: S, ctx: ProcessContext): MaybePromise<CallResult<S, R>>;
  handleCast?(message: Ca, state: S, ctx: ProcessContext): MaybePromise<CastResult<S>>;
  handleInfo?(message: InfoMessage<I>, state: S, ctx: ProcessContext): MaybePromise<CastResult<S>>;
  /**
   * handle_continue: runs when a result ends with continueWith(arg), after that result is
   * applied (a reply sent) and before the next message. Required by a server that continues.
   */
  handleContinue?(arg: unknown, state: S, ctx: ProcessContext): MaybePromise<CastResult<S>>;
  /**
   * Called when the server hibernates: return the state with its caches dropped and its
   * storage compacted. Default: the state as it is.
   */
  hibernate?(state: S): S;
  /** Called on stop, on a crash in a callback, and on shutdown by the parent when the server traps exits. */
  terminate?(reason: ExitReason, state: S, ctx: ProcessContext): void | Promise<void>;
  /**
   * format_status: what introspection shows of the state, sys.getStatus and sys.getState
   * (and what replaceState resolves with). Redact secrets here. Default: the state.
   */
  formatStatus?(state: S): unknown;
  /**
   * How sys.getState shows the state and sys.replaceState writes it back, for a behaviour
   * built on GenServer whose state is its own machinery (GenStatem shows { state, data }).
   * Default: the state itself.
   */
  readonly systemState?: { get(state: S): unknown; replace(state: S, view: unknown): S };
}

declare const serverDef: unique symbol;

/** A pid that remembers which GenServer it runs, so call() and cast() are typed. */
export type ServerPid<D> = Pid & { readonly [serverDef]?: D };
/** A name that remembers which GenServer it names. */
export type ServerNameOf<D> = ServerName & { readonly [serverDef]?: D };
export type ServerRef<D> = ServerPid<D> | ServerNameOf<D>;

/** The definition a typed pid or name carries; {} or unknown for an untyped one. */
type DefOf<T> = T extends { readonly [serverDef]?: infer D } ? NonNullable<D> : unknown;
/** What call() and cast() accept and return for a server reference: typed when the reference is. */
export type RequestFor<T> = CallOf<DefOf<T>>;
export type ReplyFor<T> = ReplyOf<DefOf<T>>;
export type CastFor<T> = CastOf<DefOf<T>>;

declare const replyType: unique symbol;

/**
 * A request that carries the type of its reply, so `call()` returns that type for it.
 * The reply is a phantom: nothing is added at run time. `GenServer.calls` builds these.
 */
export type RequestWithReply<Q, R> = Q & { readonly [replyType]?: [R] };

/** The reply a request type carries, boxed so an `undefined` reply survives; never if it carries none. */
type CarriedReply<M> = M extends unknown
  ? typeof replyType extends keyof M
    ? Exclude<M[typeof replyType], undefined>
    : never
  : never;
/** The server's request types that `Q` (what the caller passed) is one of. */
type RequestsMatching<C, Q> = C extends unknown ? ([Q] extends [C] ? C : never) : never;

/**
 * What `call(server, request)` resolves with: the reply of that request when the server
 * declares a reply per request (GenServer.calls), else the server's reply type.
 */
export type ReplyTo<T, Q> = [CarriedReply<RequestsMatching<RequestFor<T>, Q>>] extends [never]
  ? ReplyFor<T>
  : CarriedReply<RequestsMatching<RequestFor<T>, Q>> extends [infer R]
    ? R
    : never;

export type CallOf<D> =
  D extends GenServerDef<infer _S, infer _A, infer C, infer _R, infer _Ca, infer _I> ? C : unknown;
export type ReplyOf<D> =
  D extends GenServerDef<infer _S, infer _A, infer _C, infer R, infer _Ca, infer _I> ? R : unknown;
export type CastOf<D> =
  D extends GenServerDef<infer _S, infer _A, infer _C, infer _R, infer Ca, infer _I> ? Ca : unknown;
export type ArgsOf<D> =
  D extends GenServerDef<infer _S, infer A, infer _C, infer _R, infer _Ca, infer _I> ? A : unknown;

export interface StartOptions {
  /** Registers the server under a local name or through a `via` name service before init runs. */
  name?: ServerName;
  /** Milliseconds init may take before the start fails (default: no limit). */
  timeout?: number;
  /** Sets trap_exit before init, so terminate runs when the parent shuts the server down. */
  trapExit?: boolean;
  /** The scheduler to run on (see SpawnOptions.scheduler); elsewhere than here, start a `remote()` definition. */
  scheduler?: Placement;
}

// ---- result constructors, named after the tuples they stand for ----------

/**
 * Every result a builder returns (ok, reply, noreply, stop, with or without what follows the
 * state) is one class with every field present, in one order: the server loop reads `kind`,
 * `state`, `reply`, `timeout` and `next` from whatever a callback returned, and with one
 * hidden class those reads stay monomorphic however many servers and result variants a
 * program uses. Object literals of five shapes per kind made them megamorphic in a real
 * program (see the README, "Where the runtime is polymorphic").
 */
/** @internal */
export class Result {
  constructor(
    readonly kind: 'ok' | 'reply' | 'noreply' | 'stop' | 'ignore',
    readonly state: unknown,
    readonly reply: unknown,
    readonly timeout: number | undefined,
    readonly next: Continue | Hibernate | undefined,
    readonly reason: ExitReason | undefined,
    /** Only on stop results (undefined elsewhere, as on the tuples' plain objects). */
    readonly hasReply: boolean | undefined,
  ) {}
}

/** Splits an After into the timeout and next fields of a Result. */
function timeoutOf(after: After | undefined): number | undefined {
  return typeof after === 'number' ? after : undefined;
}

function nextOf(after: After | undefined): Continue | Hibernate | undefined {
  return typeof after === 'object' ? after : undefined;
}

export function ok<S>(state: S, after?: After): InitOk<S> {
  return new Result('ok', state, undefined, timeoutOf(after), nextOf(after), undefined, undefined) as InitOk<S>;
}

const ignored = new Result('ignore', undefined, undefined, undefined, undefined, undefined, undefined) as Ignore;

export function ignore(): Ignore {
  return ignored;
}

export function reply<S, R>(value: R, state: S, after?: After): ReplyResult<S, R> {
  return new Result('reply', state, value, timeoutOf(after), nextOf(after), undefined, undefined) as ReplyResult<S, R>;
}

export function noreply<S>(state: S, after?: After): NoReplyResult<S> {
  return new Result(
    'noreply',
    state,
    undefined,
    timeoutOf(after),
    nextOf(after),
    undefined,
    undefined,
  ) as NoReplyResult<S>;
}

/** {continue, Arg}, as the last element of ok/reply/noreply: handleContinue(arg, state) runs next. */
export function continueWith(arg: unknown): Continue {
  return { kind: 'continue', arg };
}

const hibernation: Hibernate = Object.freeze({ kind: 'hibernate' });

/**
 * hibernate, as the last element of ok/reply/noreply. Node has no per-process heap to
 * collect, so hibernating sheds what the process holds for speed: its mailbox buffer shrinks
 * to what is queued, its unused sys bookkeeping is dropped, and the definition's optional
 * hibernate(state) hook compacts the state. The next message wakes it as usual.
 */
export function hibernate(): Hibernate {
  return hibernation;
}

export function stop<S>(reason: ExitReason, state: S): StopResult<S> {
  return new Result('stop', state, undefined, undefined, undefined, reason, false) as StopResult<S>;
}

/** {stop, Reason, Reply, State}: replies to the caller, then terminates. */
export function replyAndStop<S, R>(reason: ExitReason, value: R, state: S): StopResult<S, R> {
  return new Result('stop', state, value, undefined, undefined, reason, true) as StopResult<S, R>;
}
