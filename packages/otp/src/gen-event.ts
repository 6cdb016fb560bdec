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
 * Any callback may return a promise: the manager waits for it, as a gen_event handler holds
 * its manager, so handlers still run one at a time, in the order they were added, and the
 * next event (or request) waits. A handler is known by its definition, or by its spec (the
 * module and export that name it, GenEvent.spec), and an optional id (gen_event's {Module,
 * Id}). A callback that throws, rejects or returns something else removes that handler only
 * (terminate runs with { error }), is logged as an error through the node's logger, and the
 * manager carries on.
 *
 * The manager is a process on the scheduler that started it; every function here reaches it
 * by pid or name from any scheduler. A definition cannot cross threads, so from another
 * scheduler a handler is named by its spec (notify, syncNotify and whichHandlers need none).
 * A supervised handler (addSupHandler) is tied to the process that added it: when the handler
 * is removed, for any reason, that process gets a GenEventExit message; when that process
 * exits, the handler is removed (terminate gets { stop: reason }). The owner may be on another
 * scheduler: the monitor crosses, and its GenEventExit names the handler as whichHandlers does there.
 *
 * The manager runs as a GenServer, so start, startLink, names, supervisors, sys and stop are
 * GenServer's; on stop, every handler's terminate runs (with 'stop').
 *
 * One file past ~400 lines: the manager's loop and the API share the Request protocol; the
 * loop (Manager) is the part to move out first.
 */
import { schedulerOf } from './cluster/remote';
import { BadArgError } from './errors';
import type { ProcessContext } from './context';
import { currentNode } from './current';
import { GenServer } from './gen-server';
import {
  noreply,
  ok as serverOk,
  reply as serverReply,
  type CastResult,
  type GenServerDef,
  type InfoMessage,
  type MaybePromise,
  type StartOptions,
} from './gen-server-types';
import * as t from './gen-event-types';
import {
  GenEventExit,
  HandlerError,
  type AnyHandler,
  type EventHandler,
  type HandlerId,
  type HandlerOk,
  type HandlerRef,
  type HandlerSpec,
  type HandlerStop,
  type RemoveHandler,
} from './gen-event-types';
import type { LinkOptions } from './context';
import type { ChildSpec } from './child-spec';
import { DownMessage } from './messages';
import { loadExport } from './node';
import { Pid, type Ref } from './pid';
import { processOf } from './process';
import { formatReason } from './reason';
import type { ServerName } from './names';

interface Installed {
  readonly handler: AnyHandler;
  readonly id: string | undefined;
  /** Set when it was added by spec: whichHandlers names it so to another scheduler. */
  readonly spec: HandlerSpec | undefined;
  state: unknown;
  /** A supervised handler's owner, and the monitor on it. */
  owner?: { pid: Pid; ref: Ref };
}

/** A handler as a request carries it: a definition (same scheduler) or a spec (any). */
type Named = AnyHandler | HandlerSpec;

type Request =
  | { op: 'add'; handler: Named; id?: string; args: unknown; owner?: Pid }
  | { op: 'delete'; handler: Named; id?: string; args: unknown }
  | {
      op: 'swap';
      old: { handler: Named; id?: string };
      oldArgs: unknown;
      next: { handler: Named; id?: string };
      nextArgs: unknown;
    }
  | { op: 'call'; handler: Named; id?: string; request: unknown }
  | { op: 'sync_notify'; event: unknown }
  | { op: 'which'; portable: boolean };
type Answer = { ok: unknown } | { error: string; reason?: unknown };

/** One step of the manager's work: done, or a promise that holds the manager until it settles. */
type Step = void | Promise<void>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/** Runs `fn` over `items` in order; a step that returns a promise holds the rest until it settles. */
function inOrder<T>(items: readonly T[], fn: (item: T) => Step, from = 0): Step {
  for (let i = from; i < items.length; i++) {
    const step = fn(items[i]);
    if (step !== undefined) {
      const next = i + 1;
      return step.then(() => inOrder(items, fn, next));
    }
  }
}

function isSpec(named: Named): named is HandlerSpec {
  return (
    typeof (named as HandlerSpec)?.module === 'string' &&
    typeof (named as HandlerSpec).export === 'string' &&
    typeof (named as AnyHandler).init !== 'function'
  );
}

const label = (h: { handler: Named; id?: string }) => {
  const name = isSpec(h.handler) ? h.handler.export : (h.handler?.name ?? 'handler');
  return `${name}${h.id === undefined ? '' : `:${h.id}`}`;
};

/** The manager's loop over its handlers. */
class Manager {
  readonly handlers: Installed[] = [];
  /** The GenServer result of every event that leaves the manager running: one object, reused. */
  readonly carryOn: CastResult<Manager> = noreply(this);

  constructor(readonly ctx: ProcessContext) {}

  /** False once the manager was killed while a handler's promise was pending: nothing more runs. */
  private get alive(): boolean {
    return processOf(this.ctx).alive;
  }

  notify(event: unknown): Step {
    // A copy: handlers removed during the round are skipped, as gen_event does.
    return inOrder(this.handlers.slice(), (h) =>
      this.handlers.includes(h)
        ? this.run(h, 'handleEvent', () => h.handler.handleEvent(event, h.state, this.ctx))
        : undefined,
    );
  }

  info(message: unknown): Step {
    if (message instanceof DownMessage) {
      const owned = this.handlers.find((h) => h.owner?.ref === message.ref);
      if (owned !== undefined) return done(this.remove(owned, { stop: message.reason }, undefined));
    }
    return inOrder(this.handlers.slice(), (h) => {
      // Called on the handler, as every other callback is (a handler may use `this`).
      const handler = h.handler;
      if (handler.handleInfo === undefined || !this.handlers.includes(h)) return;
      return this.run(h, 'handleInfo', () => handler.handleInfo!(message, h.state, this.ctx));
    });
  }

  request(request: Request): MaybePromise<Answer> {
    switch (request.op) {
      case 'add':
        return this.add(request.handler, request.id, request.args, request.owner);
      case 'delete': {
        const h = this.find(request.handler, request.id);
        if (h === undefined) return { error: `${label(request)} is not installed` };
        return then(this.remove(h, request.args, 'normal'), (result) => ({ ok: result }));
      }
      case 'swap': {
        const h = this.find(request.old.handler, request.old.id);
        const removed =
          h === undefined
            ? { error: 'no old handler' }
            : this.remove(h, request.oldArgs, { swapped: label(request.next) });
        return then(removed, (terminated) =>
          this.add(request.next.handler, request.next.id, { args: request.nextArgs, terminated }, h?.owner?.pid),
        );
      }
      case 'call': {
        const h = this.find(request.handler, request.id);
        if (h === undefined) return { error: `${label(request)} is not installed` };
        const handler = h.handler;
        if (handler.handleCall === undefined) return { error: `${label(request)} has no handleCall` };
        let answer: Answer = { error: `${label(request)} crashed` };
        const take = (
          result: t.HandlerReply<unknown, unknown> | RemoveHandler<unknown>,
        ): HandlerOk<unknown> | RemoveHandler<unknown> => {
          if (result?.kind === 'reply') answer = { ok: result.reply };
          else if (result?.kind === 'remove_handler') answer = { ok: result.reply };
          return result?.kind === 'reply' ? { kind: 'ok', state: result.state } : result;
        };
        const step = this.run(h, 'handleCall', () =>
          then(handler.handleCall!(request.request, h.state, this.ctx), take),
        );
        return step === undefined ? answer : step.then(() => answer);
      }
      case 'sync_notify': {
        const step = this.notify(request.event);
        return step === undefined ? { ok: undefined } : step.then(() => ({ ok: undefined }));
      }
      case 'which':
        return {
          ok: this.handlers.map((h): HandlerId => {
            const handler = request.portable ? (h.spec ?? label({ handler: h.handler })) : h.handler;
            return h.id === undefined ? { handler } : { handler, id: h.id };
          }),
        };
    }
  }

  /** The manager is ending: every handler's terminate runs with 'stop', one after another. */
  terminateAll(): Step {
    return inOrder(this.handlers.slice(), (h) => done(this.remove(h, 'stop', 'shutdown')));
  }

  private add(named: Named, id: string | undefined, args: unknown, owner: Pid | undefined): MaybePromise<Answer> {
    let handler: AnyHandler;
    try {
      handler = isSpec(named) ? loadExport<AnyHandler>({ module: named.module, export: named.export }) : named;
    } catch (error) {
      return {
        error: `${label({ handler: named, id })} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (typeof handler?.init !== 'function' || typeof handler.handleEvent !== 'function')
      return { error: 'not a handler: it needs init and handleEvent' };
    if (this.find(handler, id) !== undefined) return { error: `${label({ handler, id })} is already installed` };
    const refused = (error: unknown): Answer => ({
      error: `${label({ handler, id })} init threw: ${error instanceof Error ? error.message : String(error)}`,
    });
    const installed = (result: HandlerOk<unknown> | HandlerStop): Answer => {
      if (result?.kind !== 'ok') {
        const reason = result?.kind === 'stop' ? result.reason : undefined;
        return {
          error: `${label({ handler, id })} init returned ${result?.kind === 'stop' ? `stop(${formatReason(result.reason)})` : String(result)}`,
          reason,
        };
      }
      if (this.find(handler, id) !== undefined) return { error: `${label({ handler, id })} is already installed` }; // added while init awaited
      const entry: Installed = {
        handler,
        id,
        spec: isSpec(named) ? { module: named.module, export: named.export } : undefined,
        state: result.state,
      };
      if (owner !== undefined) entry.owner = { pid: owner, ref: this.ctx.monitor(owner) };
      this.handlers.push(entry);
      return { ok: undefined };
    };
    let result: MaybePromise<HandlerOk<unknown> | HandlerStop>;
    try {
      result = handler.init(args, this.ctx);
    } catch (error) {
      return refused(error);
    }
    return isPromise(result) ? result.then(installed, refused) : installed(result);
  }

  private find(named: Named, id: string | undefined): Installed | undefined {
    if (isSpec(named))
      return this.handlers.find(
        (h) =>
          h.id === id &&
          ((h.spec?.module === named.module && h.spec.export === named.export) || h.handler === loadIfThere(named)),
      );
    return this.handlers.find((h) => h.handler === named && h.id === id);
  }

  /** Runs a callback that returns ok(state) or removeHandler(); a throw or a bad return removes the handler. */
  private run(h: Installed, where: string, fn: () => MaybePromise<HandlerOk<unknown> | RemoveHandler<unknown>>): Step {
    let result: MaybePromise<HandlerOk<unknown> | RemoveHandler<unknown>>;
    try {
      result = fn();
    } catch (error) {
      return this.crashed(h, where, error);
    }
    if (isPromise(result)) {
      return result.then(
        (r) => (this.alive ? this.settle(h, where, r) : undefined),
        (error: unknown) => (this.alive ? this.crashed(h, where, error) : undefined),
      );
    }
    return this.settle(h, where, result);
  }

  private settle(h: Installed, where: string, result: HandlerOk<unknown> | RemoveHandler<unknown>): Step {
    if (result?.kind === 'ok') h.state = result.state;
    else if (result?.kind === 'remove_handler') return done(this.remove(h, 'remove_handler', 'normal'));
    else
      return this.crashed(
        h,
        where,
        new BadArgError(`${where} returned ${String(result)}: expected ok() or removeHandler()`),
      );
  }

  private crashed(h: Installed, where: string, error: unknown): Step {
    const message = error instanceof Error ? error.message : String(error);
    processOf(this.ctx).node.logger.error(
      `${this.ctx.self} (gen_event) removed handler ${label(h)}: ${where} failed: ${message}`,
      { error },
    );
    return done(this.remove(h, { error }, { error }));
  }

  /** Takes the handler out, runs its terminate with `arg` (awaited), tells a supervised handler's owner. */
  private remove(h: Installed, arg: unknown, ownerReason: unknown): MaybePromise<unknown> {
    const at = this.handlers.indexOf(h);
    if (at >= 0) this.handlers.splice(at, 1);
    const told = (result: unknown): unknown => {
      if (h.owner !== undefined) {
        this.ctx.demonitor(h.owner.ref, { flush: true });
        if (ownerReason !== undefined) {
          // An owner on another scheduler gets the handler as whichHandlers names it there (its
          // spec, or its name): a definition holds functions, which cannot cross threads.
          const portable = schedulerOf(h.owner.pid.id) !== schedulerOf(this.ctx.self.id);
          const handler = portable ? (h.spec ?? label({ handler: h.handler })) : h.handler;
          this.ctx.send(
            h.owner.pid,
            new GenEventExit(this.ctx.self, h.id === undefined ? { handler } : { handler, id: h.id }, ownerReason),
          );
        }
      }
      return result;
    };
    let result: unknown;
    try {
      result = h.handler.terminate?.(arg, h.state, this.ctx);
    } catch (error) {
      return told({ error });
    }
    return isPromise(result) ? result.then(told, (error: unknown) => told({ error })) : told(result);
  }
}

/** A spec's handler if its module loads here, for matching it against one added as a definition. */
function loadIfThere(spec: HandlerSpec): AnyHandler | undefined {
  try {
    return loadExport<AnyHandler>({ module: spec.module, export: spec.export });
  } catch {
    return undefined;
  }
}

function then<T, U>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(fn) : fn(value);
}

function done(value: MaybePromise<unknown>): Step {
  if (isPromise(value)) return value.then(() => undefined);
}

/** The manager as a GenServer definition. */
export const manager: GenServerDef<Manager, void, Request, Answer, unknown, unknown> = {
  name: 'gen_event',
  init: (_args, ctx) => serverOk(new Manager(ctx)),
  handleCall: (request, _from, m) => then(m.request(request), (a) => serverReply(a, m)),
  handleCast(event, m) {
    const step = m.notify(event);
    return step === undefined ? m.carryOn : step.then(() => m.carryOn);
  },
  handleInfo(message: InfoMessage<unknown>, m) {
    const step = m.info(message);
    return step === undefined ? m.carryOn : step.then(() => m.carryOn);
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

/** Is the manager on another scheduler? Its answers to us must then be plain data. */
function elsewhere(mgr: Manager$): boolean {
  return currentNode().route(mgr) instanceof Pid;
}

/** gen_event:start: an unlinked manager, on the caller's scheduler (any scheduler reaches it by pid or name). */
export function start(options?: Omit<StartOptions, 'scheduler'>): Promise<Pid> {
  return GenServer.start(manager, undefined, options);
}
/** gen_event:start_link. */
export function startLink(options?: Omit<StartOptions, 'scheduler'> & LinkOptions): Promise<Pid> {
  return GenServer.startLink(manager, undefined, options);
}
/** A supervisor child spec for a manager. */
export function childSpec(
  id: string,
  options?: Omit<StartOptions, 'scheduler'> & Omit<ChildSpec, 'id' | 'start'>,
): ChildSpec {
  return GenServer.childSpec(id, manager, undefined, options);
}

/** gen_event:add_handler: rejects with HandlerError if it is installed already or its init refuses. */
export async function addHandler<E, S, A, C, R>(
  mgr: Manager$,
  handler: HandlerRef<E, S, A, C, R>,
  args: A,
  id?: string,
): Promise<void> {
  answer(await ask(mgr, { op: 'add', handler: handler as Named, id, args }));
}

/** gen_event:add_sup_handler: as addHandler, tied to the owner's process (pass the caller's ctx). */
export async function addSupHandler<E, S, A, C, R>(
  mgr: Manager$,
  handler: HandlerRef<E, S, A, C, R>,
  args: A,
  owner: ProcessContext,
  id?: string,
): Promise<void> {
  answer(await ask(mgr, { op: 'add', handler: handler as Named, id, args, owner: owner.self }));
}

/** gen_event:delete_handler: resolves with what the handler's terminate(args) returned. */
export async function deleteHandler<E, S, A, C, R>(
  mgr: Manager$,
  handler: HandlerRef<E, S, A, C, R>,
  args?: unknown,
  id?: string,
): Promise<unknown> {
  return answer(await ask(mgr, { op: 'delete', handler: handler as Named, id, args }));
}

/** gen_event:swap_handler: the old handler's terminate(oldArgs) result goes to the new init as { args, terminated }. */
export async function swapHandler<E1, S1, A1, C1, R1, E2, S2, A2, C2, R2>(
  mgr: Manager$,
  old: { handler: HandlerRef<E1, S1, A1, C1, R1>; id?: string; args?: unknown },
  next: { handler: HandlerRef<E2, S2, { args: A2; terminated: unknown }, C2, R2>; id?: string; args: A2 },
): Promise<void> {
  answer(
    await ask(mgr, {
      op: 'swap',
      old: { handler: old.handler as Named, id: old.id },
      oldArgs: old.args,
      next: { handler: next.handler as Named, id: next.id },
      nextArgs: next.args,
    }),
  );
}

/** gen_event:notify: asynchronous. */
export function notify(mgr: Manager$, event: unknown): void {
  GenServer.cast(mgr as Pid, event as never);
}

/** gen_event:sync_notify: resolves once every handler has handled the event (its promise settled, for an async one). */
export async function syncNotify(mgr: Manager$, event: unknown, timeoutMs = 5000): Promise<void> {
  answer(await ask(mgr, { op: 'sync_notify', event }, timeoutMs));
}

/** gen_event:call: a request to one handler; rejects with HandlerError if it is not installed or crashes. */
export async function callHandler<E, S, A, C, R>(
  mgr: Manager$,
  handler: HandlerRef<E, S, A, C, R>,
  request: C,
  id?: string,
  timeoutMs = 5000,
): Promise<R> {
  return answer(await ask(mgr, { op: 'call', handler: handler as Named, id, request }, timeoutMs)) as R;
}

/**
 * gen_event:which_handlers. From another scheduler, a handler shows as its spec when it was
 * added by one, else as its name.
 */
export async function whichHandlers(mgr: Manager$): Promise<HandlerId[]> {
  return answer(await ask(mgr, { op: 'which', portable: elsewhere(mgr) })) as HandlerId[];
}

/** Captures a handler's types; returns it unchanged. */
export function handler<E, S, A = void, C = never, R = never>(
  def: EventHandler<E, S, A, C, R>,
): EventHandler<E, S, A, C, R> {
  return def;
}

/**
 * Names a handler by the module that exports it, so processes on any scheduler can add, call
 * and delete it: `GenEvent.spec<typeof audit>(require.resolve('./audit'), 'audit')`.
 */
export function spec<H = AnyHandler>(module: string, exportName: string): HandlerSpec<H> {
  return { module, export: exportName };
}

export const GenEvent = {
  handler,
  spec,
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
  ok: t.ok,
  reply: t.reply,
  removeHandler: t.removeHandler,
  removeHandlerAndReply: t.removeHandlerAndReply,
  initStop: t.initStop,
} as const;

export { GenEventExit, HandlerError };
export type {
  EventHandler,
  HandlerId,
  HandlerOk,
  HandlerReply,
  HandlerRef,
  HandlerSpec,
  HandlerStop,
  RemoveHandler,
} from './gen-event-types';
