/**
 * GenEvent: OTP's gen_event, an event manager with handlers added and removed at run time.
 *
 * A handler (GenEvent.handler) provides:
 *
 *   init(args, ctx) -> ok(State) | stop(Reason)       adding fails with the reason (HandlerError)
 *   handleEvent(event, state, ctx) -> ok(State) | removeHandler()
 *   handleCall?(request, state, ctx) -> reply(Reply, State) | removeHandlerAndReply(Reply)
 *   handleInfo?(message, state, ctx) -> ok(State) | removeHandler()    default: ignore
 *   terminate?(arg, state, ctx) -> unknown    when removed; what it returns is
 *             deleteHandler's answer, and what swapHandler passes to the new handler's init
 *
 * Callbacks are synchronous: they run in the manager's loop, one event at a time. A handler
 * is known by its definition and an optional id (gen_event's {Module, Id}). A callback that
 * throws or returns something else removes that handler only (terminate runs with
 * { error }), is logged as an error through the node's logger, and the manager carries on.
 * A supervised handler (addSupHandler) is tied to the process that added it: when the handler
 * is removed, for any reason, that process gets a GenEventExit message; when that process
 * exits, the handler is removed (terminate gets { stop: reason }).
 *
 * The manager runs as a GenServer, so start, startLink, names, supervisors, sys and stop are
 * GenServer's; on stop, every handler's terminate runs (with 'stop').
 */
import { BadArgError, OtpError } from './errors';
import type { ProcessContext } from './context';
import { GenServer } from './gen-server';
import { noreply, ok as serverOk, reply as serverReply, type GenServerDef, type InfoMessage, type StartOptions } from './gen-server-types';
import type { LinkOptions } from './context';
import type { ChildSpec } from './child-spec';
import { DownMessage } from './messages';
import type { Pid, Ref } from './pid';
import type { Process } from './process';
import { formatReason, type ExitReason } from './reason';
import type { ServerName } from './names';

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

/** A gen_event handler module. E the events, S its state, A init's argument, C calls and R their replies. */
export interface EventHandler<E, S, A = void, C = never, R = never> {
  readonly name?: string;
  init(args: A, ctx: ProcessContext): HandlerOk<S> | HandlerStop;
  handleEvent(event: E, state: S, ctx: ProcessContext): HandlerOk<S> | RemoveHandler;
  handleCall?(request: C, state: S, ctx: ProcessContext): HandlerReply<S, R> | RemoveHandler<R>;
  handleInfo?(message: unknown, state: S, ctx: ProcessContext): HandlerOk<S> | RemoveHandler;
  terminate?(arg: unknown, state: S, ctx: ProcessContext): unknown;
}

/** gen_event's {Module, Id}: a handler definition, and an id when it is added more than once. */
export interface HandlerId {
  readonly handler: AnyHandler;
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
  constructor(message: string, readonly reason?: unknown) {
    super('bad_handler', message);
  }
}

/** The manager holds handlers of every type. */
type AnyHandler = EventHandler<unknown, unknown, unknown, unknown, unknown>;

interface Installed {
  readonly handler: AnyHandler;
  readonly id: string | undefined;
  state: unknown;
  /** A supervised handler's owner, and the monitor on it. */
  owner?: { pid: Pid; ref: Ref };
}

type Request =
  | { op: 'add'; handler: AnyHandler; id?: string; args: unknown; owner?: Pid }
  | { op: 'delete'; handler: AnyHandler; id?: string; args: unknown }
  | { op: 'swap'; old: HandlerId; oldArgs: unknown; next: HandlerId; nextArgs: unknown }
  | { op: 'call'; handler: AnyHandler; id?: string; request: unknown }
  | { op: 'sync_notify'; event: unknown }
  | { op: 'which' };
type Answer = { ok: unknown } | { error: string; reason?: unknown };

const label = (h: { handler: AnyHandler; id?: string }) => `${h.handler.name ?? 'handler'}${h.id === undefined ? '' : `:${h.id}`}`;
const same = (a: Installed, handler: AnyHandler, id: string | undefined) => a.handler === handler && a.id === id;

/** The manager's loop over its handlers. */
class Manager {
  readonly handlers: Installed[] = [];
  constructor(readonly ctx: ProcessContext) {}

  notify(event: unknown): void {
    // A copy: handlers removed during the round are skipped, as gen_event does.
    for (const h of this.handlers.slice()) {
      if (!this.handlers.includes(h)) continue;
      this.run(h, 'handleEvent', () => h.handler.handleEvent(event, h.state, this.ctx));
    }
  }

  info(message: unknown): void {
    if (message instanceof DownMessage) {
      const owned = this.handlers.find((h) => h.owner?.ref === message.ref);
      if (owned !== undefined) return void this.remove(owned, { stop: message.reason }, undefined);
    }
    for (const h of this.handlers.slice()) {
      const handler = h.handler;
      if (handler.handleInfo === undefined || !this.handlers.includes(h)) continue;
      this.run(h, 'handleInfo', () => handler.handleInfo!(message, h.state, this.ctx));
    }
  }

  request(request: Request): Answer {
    switch (request.op) {
      case 'add':
        return this.add(request.handler, request.id, request.args, request.owner);
      case 'delete': {
        const h = this.find(request.handler, request.id);
        if (h === undefined) return { error: `${label(request)} is not installed` };
        return { ok: this.remove(h, request.args, 'normal') };
      }
      case 'swap': {
        const h = this.find(request.old.handler, request.old.id);
        const result = h === undefined ? { error: 'no old handler' } : this.remove(h, request.oldArgs, { swapped: label(request.next) });
        const added = this.add(request.next.handler, request.next.id, { args: request.nextArgs, terminated: result }, h?.owner?.pid);
        return added;
      }
      case 'call': {
        const h = this.find(request.handler, request.id);
        if (h === undefined) return { error: `${label(request)} is not installed` };
        const handler = h.handler;
        if (handler.handleCall === undefined) return { error: `${label(request)} has no handleCall` };
        let answer: Answer = { error: `${label(request)} crashed` };
        this.run(h, 'handleCall', () => {
          const result = handler.handleCall!(request.request, h.state, this.ctx);
          if (result?.kind === 'reply') answer = { ok: result.reply };
          else if (result?.kind === 'remove_handler') answer = { ok: result.reply };
          return result?.kind === 'reply' ? { kind: 'ok', state: result.state } : result;
        });
        return answer;
      }
      case 'sync_notify':
        this.notify(request.event);
        return { ok: undefined };
      case 'which':
        return { ok: this.handlers.map((h) => (h.id === undefined ? { handler: h.handler } : { handler: h.handler, id: h.id })) };
    }
  }

  /** The manager is ending: every handler's terminate runs with 'stop'. */
  terminateAll(): void {
    for (const h of this.handlers.slice()) this.remove(h, 'stop', 'shutdown');
  }

  private add(handler: AnyHandler, id: string | undefined, args: unknown, owner: Pid | undefined): Answer {
    if (typeof handler?.init !== 'function' || typeof handler.handleEvent !== 'function') return { error: 'not a handler: it needs init and handleEvent' };
    if (this.find(handler, id) !== undefined) return { error: `${label({ handler, id })} is already installed` };
    let result: HandlerOk<unknown> | HandlerStop;
    try {
      result = handler.init(args, this.ctx);
    } catch (error) {
      return { error: `${label({ handler, id })} init threw: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (result?.kind !== 'ok') return { error: `${label({ handler, id })} init returned ${result?.kind === 'stop' ? `stop(${formatReason(result.reason)})` : String(result)}`, reason: result?.kind === 'stop' ? result.reason : undefined };
    const installed: Installed = { handler, id, state: result.state };
    if (owner !== undefined) installed.owner = { pid: owner, ref: this.ctx.monitor(owner) };
    this.handlers.push(installed);
    return { ok: undefined };
  }

  private find(handler: AnyHandler, id: string | undefined): Installed | undefined {
    return this.handlers.find((h) => same(h, handler, id));
  }

  /** Runs a callback that returns ok(state) or removeHandler(); a throw or a bad return removes the handler. */
  private run(h: Installed, where: string, fn: () => HandlerOk<unknown> | RemoveHandler<unknown>): void {
    let result: HandlerOk<unknown> | RemoveHandler<unknown>;
    try {
      result = fn();
    } catch (error) {
      return this.crashed(h, where, error);
    }
    if (result?.kind === 'ok') h.state = result.state;
    else if (result?.kind === 'remove_handler') this.remove(h, 'remove_handler', 'normal');
    else this.crashed(h, where, new BadArgError(`${where} returned ${String(result)}: expected ok() or removeHandler()`));
  }

  private crashed(h: Installed, where: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    (this.ctx as Process).node.logger.error(`${this.ctx.self} (gen_event) removed handler ${label(h)}: ${where} failed: ${message}`, { error });
    this.remove(h, { error }, { error });
  }

  /** Takes the handler out, runs its terminate with `arg`, tells a supervised handler's owner. */
  private remove(h: Installed, arg: unknown, ownerReason: unknown): unknown {
    const at = this.handlers.indexOf(h);
    if (at >= 0) this.handlers.splice(at, 1);
    let result: unknown;
    try {
      result = h.handler.terminate?.(arg, h.state, this.ctx);
    } catch (error) {
      result = { error };
    }
    if (h.owner !== undefined) {
      this.ctx.demonitor(h.owner.ref, { flush: true });
      if (ownerReason !== undefined) this.ctx.send(h.owner.pid, new GenEventExit(this.ctx.self, h.id === undefined ? { handler: h.handler } : { handler: h.handler, id: h.id }, ownerReason));
    }
    return result;
  }
}

/** The manager as a GenServer definition. */
export const manager: GenServerDef<Manager, void, Request, Answer, unknown, unknown> = {
  name: 'gen_event',
  init: (_args, ctx) => serverOk(new Manager(ctx)),
  handleCall: (request, _from, m) => serverReply(m.request(request), m),
  handleCast(event, m) {
    m.notify(event);
    return noreply(m);
  },
  handleInfo(message: InfoMessage<unknown>, m) {
    m.info(message);
    return noreply(m);
  },
  terminate: (_reason, m) => m.terminateAll(),
  systemState: { get: (m) => m.handlers.map((h) => ({ handler: label(h), state: h.state })), replace: (m) => m },
};

function answer(a: Answer): unknown {
  if ('error' in a) throw new HandlerError(a.error, a.reason);
  return a.ok;
}

type Manager$ = Pid | ServerName;

function ask(mgr: Manager$, request: Request, timeoutMs?: number): Promise<Answer> {
  return GenServer.call(mgr as Pid, request, timeoutMs) as Promise<Answer>;
}

/** gen_event:start: an unlinked manager. */
export function start(options?: StartOptions): Promise<Pid> {
  return GenServer.start(manager, undefined, options);
}
/** gen_event:start_link. */
export function startLink(options?: StartOptions & LinkOptions): Promise<Pid> {
  return GenServer.startLink(manager, undefined, options);
}
/** A supervisor child spec for a manager. */
export function childSpec(id: string, options?: StartOptions & Omit<ChildSpec, 'id' | 'start'>): ChildSpec {
  return GenServer.childSpec(id, manager, undefined, options);
}

/** gen_event:add_handler: rejects with HandlerError if it is installed already or its init refuses. */
export async function addHandler<E, S, A, C, R>(mgr: Manager$, handler: EventHandler<E, S, A, C, R>, args: A, id?: string): Promise<void> {
  answer(await ask(mgr, { op: 'add', handler: handler as AnyHandler, id, args }));
}

/** gen_event:add_sup_handler: as addHandler, tied to the calling process (pass `owner: ctx` after an await). */
export async function addSupHandler<E, S, A, C, R>(mgr: Manager$, handler: EventHandler<E, S, A, C, R>, args: A, owner: ProcessContext, id?: string): Promise<void> {
  answer(await ask(mgr, { op: 'add', handler: handler as AnyHandler, id, args, owner: owner.self }));
}

/** gen_event:delete_handler: resolves with what the handler's terminate(args) returned. */
export async function deleteHandler<E, S, A, C, R>(mgr: Manager$, handler: EventHandler<E, S, A, C, R>, args?: unknown, id?: string): Promise<unknown> {
  return answer(await ask(mgr, { op: 'delete', handler: handler as AnyHandler, id, args }));
}

/** gen_event:swap_handler: the old handler's terminate(oldArgs) result goes to the new init as { args, terminated }. */
export async function swapHandler<E1, S1, A1, C1, R1, E2, S2, A2, C2, R2>(
  mgr: Manager$,
  old: { handler: EventHandler<E1, S1, A1, C1, R1>; id?: string; args?: unknown },
  next: { handler: EventHandler<E2, S2, { args: A2; terminated: unknown }, C2, R2>; id?: string; args: A2 },
): Promise<void> {
  answer(
    await ask(mgr, {
      op: 'swap',
      old: { handler: old.handler as AnyHandler, id: old.id },
      oldArgs: old.args,
      next: { handler: next.handler as AnyHandler, id: next.id },
      nextArgs: next.args,
    }),
  );
}

/** gen_event:notify: asynchronous. */
export function notify(mgr: Manager$, event: unknown): void {
  GenServer.cast(mgr as Pid, event as never);
}

/** gen_event:sync_notify: resolves once every handler has handled the event. */
export async function syncNotify(mgr: Manager$, event: unknown): Promise<void> {
  answer(await ask(mgr, { op: 'sync_notify', event }));
}

/** gen_event:call: a request to one handler; rejects with HandlerError if it is not installed or crashes. */
export async function callHandler<E, S, A, C, R>(mgr: Manager$, handler: EventHandler<E, S, A, C, R>, request: C, id?: string, timeoutMs = 5000): Promise<R> {
  return answer(await ask(mgr, { op: 'call', handler: handler as AnyHandler, id, request }, timeoutMs)) as R;
}

/** gen_event:which_handlers. */
export async function whichHandlers(mgr: Manager$): Promise<HandlerId[]> {
  return answer(await ask(mgr, { op: 'which' })) as HandlerId[];
}

/** Captures a handler's types; returns it unchanged. */
export function handler<E, S, A = void, C = never, R = never>(def: EventHandler<E, S, A, C, R>): EventHandler<E, S, A, C, R> {
  return def;
}

export const GenEvent = {
  handler,
  start,
  startLink,
  childSpec,
  stop: GenServer.stop,
  addHandler,
  addSupHandler,
  deleteHandler,
  swapHandler,
  notify,
  syncNotify,
  call: callHandler,
  whichHandlers,
  ok: <S>(state: S): HandlerOk<S> => ({ kind: 'ok', state }),
  reply: <S, R>(value: R, state: S): HandlerReply<S, R> => ({ kind: 'reply', reply: value, state }),
  removeHandler: (): RemoveHandler => ({ kind: 'remove_handler' }),
  removeHandlerAndReply: <R>(value: R): RemoveHandler<R> => ({ kind: 'remove_handler', reply: value }),
  initStop: (reason: ExitReason): HandlerStop => ({ kind: 'stop', reason }),
} as const;

