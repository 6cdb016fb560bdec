/**
 * The types of a GenEvent handler module, its results, and the errors and messages of the
 * manager. See gen-event.ts for the contract.
 */
import type { ProcessContext } from './context';
import { OtpError } from './errors';
import type { MaybePromise } from './gen-server-types';
import type { Pid } from './pid';
import type { ExitReason } from './reason';

export interface HandlerOk<S> {
  readonly kind: 'ok';
  readonly state: S;
}
export interface HandlerReply<S, R> {
  readonly kind: 'reply';
  readonly reply: R;
  readonly state: S;
}
export interface RemoveHandler<R = never> {
  readonly kind: 'remove_handler';
  readonly reply?: R;
}
export interface HandlerStop {
  readonly kind: 'stop';
  readonly reason: ExitReason;
}

/**
 * A gen_event handler module. E the events, S its state, A init's argument, C calls and R
 * their replies. Any callback may return a promise: the manager waits for it (the next
 * handler, and the next event, come after it settles), as gen_event's handlers hold theirs.
 */
export interface EventHandler<E, S, A = void, C = never, R = never> {
  readonly name?: string;
  init(args: A, ctx: ProcessContext): MaybePromise<HandlerOk<S> | HandlerStop>;
  handleEvent(event: E, state: S, ctx: ProcessContext): MaybePromise<HandlerOk<S> | RemoveHandler>;
  handleCall?(request: C, state: S, ctx: ProcessContext): MaybePromise<HandlerReply<S, R> | RemoveHandler<R>>;
  handleInfo?(message: unknown, state: S, ctx: ProcessContext): MaybePromise<HandlerOk<S> | RemoveHandler>;
  terminate?(arg: unknown, state: S, ctx: ProcessContext): unknown;
}

/**
 * A handler named by the module that exports it, so a process on any scheduler can add, call,
 * swap or delete it: the manager's scheduler loads it with require(module)[export], which is
 * the same object as that module's handler imported there (so either form finds it).
 */
export interface HandlerSpec<H = unknown> {
  readonly module: string;
  readonly export: string;
  /** The handler's types, carried for the functions that take this spec; nothing at run time. */
  readonly [handlerType]?: H;
}
declare const handlerType: unique symbol;

/** A handler as a function takes it: its definition (same scheduler) or its spec (any scheduler). */
export type HandlerRef<E, S, A, C, R> = EventHandler<E, S, A, C, R> | HandlerSpec<EventHandler<E, S, A, C, R>>;

/** A handler of any type: what the manager holds (public, as HandlerEntry names it). */
export type AnyHandler = EventHandler<unknown, unknown, unknown, unknown, unknown>;

/**
 * gen_event's {Module, Id}: a handler, and an id when it is added more than once. In
 * whichHandlers' answer to a process on another scheduler, `handler` is the handler's spec
 * when it was added by one, else its name (a definition cannot cross threads).
 */
export interface HandlerId {
  readonly handler: AnyHandler | HandlerSpec | string;
  readonly id?: string;
}

/** Sent to the process that added a supervised handler when that handler is removed (gen_event_EXIT). */
export class GenEventExit {
  constructor(
    readonly manager: Pid,
    readonly handler: HandlerId,
    /** 'normal' (deleted or removed itself), 'shutdown' (the manager stopped), { swapped }, or { error }. */
    readonly reason: unknown,
  ) {}
}

/** A handler call or add that failed: not installed, or it crashed, or init refused. */
export class HandlerError extends OtpError {
  constructor(
    message: string,
    readonly reason?: unknown,
  ) {
    super('bad_handler', message);
  }
}

export const ok = <S>(state: S): HandlerOk<S> => ({ kind: 'ok', state });
export const reply = <S, R>(value: R, state: S): HandlerReply<S, R> => ({ kind: 'reply', reply: value, state });
export const removeHandler = (): RemoveHandler => ({ kind: 'remove_handler' });
export const removeHandlerAndReply = <R>(value: R): RemoveHandler<R> => ({ kind: 'remove_handler', reply: value });
export const initStop = (reason: ExitReason): HandlerStop => ({ kind: 'stop', reason });
