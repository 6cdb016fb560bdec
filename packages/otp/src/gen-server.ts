/**
 * GenServer: OTP's gen_server. The callback module (GenServer.define) provides:
 *
 *   init(args, ctx)                   -> ok(State[, After]) | ignore() | stop(Reason)
 *   handleCall?(request, from, State, ctx)
 *                                     -> reply(Reply, State[, After]) | noreply(State[, After])
 *                                        | stop(Reason, State) | replyAndStop(Reason, Reply, State)
 *   handleCast?(message, State, ctx)  -> noreply(State[, After]) | stop(Reason, State)
 *   handleInfo?(message, State, ctx)  -> as handleCast; gets plain messages, EXIT/DOWN, and 'timeout'
 *   handleContinue?(arg, State, ctx)  -> as handleCast; runs when a result ends with continueWith(arg)
 *   terminate?(reason, State, ctx)    on stop, on a crash in a callback, and on the parent's
 *                                     shutdown when the server traps exits; what it returns is ignored
 *   formatStatus?(State)              what sys.getStatus / sys.getState show (redact secrets)
 *   hibernate?(State) -> State        on hibernation: drop caches, compact
 *
 * After is an inactivity timeout in ms (handleInfo('timeout') if no message comes first),
 * continueWith(arg) (handleContinue runs next, before any message) or hibernate() (the process
 * sheds its storage: see hibernate() in gen-server-types.ts). Any callback may be async: the
 * mailbox is held until it settles. A callback that throws, rejects or returns anything else
 * ends the server with a Crash reason (terminate runs first).
 *
 * Defaults: no handleCall/handleCast is a BadArgError crash when one arrives (as gen_server's
 * missing clause); no handleInfo logs and drops the message; no terminate; formatStatus shows
 * the state; hibernate leaves it as it is.
 *
 * The API acts on servers: GenServer.start, startLink, call, cast, castInline, reply (a kept
 * `from`), stop, childSpec, ref, remote. The loop (GenServerProcess) is a Behaviour started
 * through proc-lib.ts's public contract, like any behaviour of a user's.
 *
 * One file past ~400 lines because the loop and the API share GenServer's private pieces
 * (the inactivity timeout, the sys view); the call/cast API is the part to move out first
 * (the start machinery has moved to proc-lib.ts).
 */
import { attachCall, From, RemoteFrom } from './call';
import { Result } from './gen-server-types';
import type { ChildSpec } from './child-spec';
import type { Behaviour, LinkOptions, ProcessContext } from './context';
import { currentNode, running } from './current';
import { BadArgError, IgnoredError, NoProcError } from './errors';
import type {
  CastFor,
  CallResult,
  Continue,
  Hibernate,
  CastResult,
  GenServerDef,
  InitResult,
  ReplyTo,
  RequestFor,
  ServerPid,
  ServerRef,
  StartOptions,
} from './gen-server-types';
import { badTimeout, checkTimeout, clearTimer, setTimer, type Timer } from './long-timeout';
import { Tag } from './mailbox';
import { calls } from './call-handlers';
import { SystemDebug, type SystemView } from './behaviour-system';
import { linkParent } from './linked-start';
import { InitRequest, StopRequest } from './system-messages';
import { startSpecial, stopSpecial } from './proc-lib';
import { ExitMessage } from './messages';
import { checkServerName, describeName, describeValue, isServerName, type ServerName, type ViaName } from './names';
import { loadExport, type Node } from './node';
import { isRemoteSpec, type RemoteSpec } from './cluster/remote';
import { Pid } from './pid';
import { processOf, type Process } from './process';
import { crashReason, ExitSignal, type ExitReason } from './reason';
import { shed } from './hibernation';

class InactivityTimeout {
  constructor(readonly token: number) {}
}

export { IgnoredError };

type AnyDef = GenServerDef<unknown, unknown, unknown, unknown, unknown, unknown>;
type Outcome = CallResult<unknown, unknown> | CastResult<unknown> | InitResult<unknown>;

/**
 * A callback's result is a promise (an async callback) or a result. The builders' results and
 * native promises are told apart by class first: reading `then` off every shape of result a
 * program returns made this read megamorphic; a thenable that is neither still works.
 */
function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  if (value instanceof Result) return false;
  if (value instanceof Promise) return true;
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/** The gen_server loop as a behaviour: one instance per server process. */
class GenServerProcess implements Behaviour {
  readonly kind: string;
  state: unknown = undefined;
  /**
   * The definition's message callbacks, copied here: every definition is an object of its own
   * shape, so `def.handleCall` read in the loop went megamorphic in a program with many
   * servers, while every GenServerProcess has one shape. Called with `def` as `this`.
   */
  private readonly onCall: AnyDef['handleCall'];
  private readonly onCast: AnyDef['handleCast'];
  private readonly onInfo: AnyDef['handleInfo'];
  private timer: Timer | undefined;
  private timerToken = 0;
  private viaName: ViaName | undefined;
  /** sys's flags, from the first sys request on. */
  private debug: SystemDebug | null = null;
  /** Times this server has hibernated, for sys.getStatus. */
  private hibernations = 0;

  constructor(
    private readonly def: AnyDef,
    private readonly parent: Pid | undefined,
  ) {
    this.kind = def.name === undefined ? 'gen_server' : `gen_server:${def.name}`;
    // Cached on the process so each call site sees one shape; always invoked as .call(def, ...).
    /* eslint-disable @typescript-eslint/unbound-method -- called with the definition as `this`, see above */
    this.onCall = def.handleCall;
    this.onCast = def.handleCast;
    this.onInfo = def.handleInfo;
    /* eslint-enable @typescript-eslint/unbound-method */
  }

  handleMessage(message: unknown, ctx: ProcessContext, tag: Tag): void | Promise<void> {
    if (this.timer !== undefined) {
      clearTimer(this.timer);
      this.timer = undefined;
    }
    const def = this.def;
    if (tag === Tag.System) {
      if (message instanceof InitRequest) return this.init(message, ctx);
      if (message instanceof StopRequest) return this.terminate(message.reason, ctx);
      if (message instanceof From) return this.system(message, ctx);
    } else if (
      tag === Tag.Info &&
      message instanceof ExitMessage &&
      this.parent !== undefined &&
      message.from.equals(this.parent)
    ) {
      // Our parent (a supervisor, usually) is shutting us down: terminate, then exit with its reason.
      return this.terminate(message.reason, ctx);
    } else if (this.debug !== null && this.debug.observe(message, tag, ctx)) {
      return; // suspended: held until resume
    }
    // Callbacks are called inline, not through a closure: this is the hot path of every call and cast.
    let result: Outcome | Promise<Outcome>;
    let from: From | undefined;
    let where: string;
    try {
      switch (tag) {
        case Tag.Cast:
          where = 'handleCast';
          if (this.onCast === undefined) throw new BadArgError('no handleCast in this server');
          result = this.onCast.call(def, message, this.state, ctx);
          break;
        case Tag.Call:
          where = 'handleCall';
          from = message as From;
          if (this.onCall === undefined) throw new BadArgError('no handleCall in this server');
          result = this.onCall.call(def, from.request, from, this.state, ctx);
          break;
        case Tag.System:
          if (!(message instanceof InactivityTimeout) || message.token !== this.timerToken) return;
          where = 'handleInfo';
          if (this.onInfo === undefined) return;
          result = this.onInfo.call(def, 'timeout', this.state, ctx);
          break;
        default:
          where = 'handleInfo';
          if (this.onInfo === undefined) {
            // As gen_server does without handle_info: log the stray message and carry on.
            processOf(ctx).node.logger.warn(`${ctx.self} (${this.kind}) dropped an unexpected message`, {
              message: String(message),
            });
            return;
          }
          result = this.onInfo.call(def, message, this.state, ctx);
      }
    } catch (error) {
      return this.fail(error, where!, ctx);
    }
    if (isPromise(result)) {
      // Killed while the callback was pending: the process is gone, so what the callback
      // settles with is dropped. Nothing of a killed gen_server runs, terminate included.
      const process = processOf(ctx);
      return result.then(
        (outcome) => (process.alive ? this.apply(outcome, where, ctx, from) : undefined),
        (error: unknown) => (process.alive ? this.fail(error, where, ctx) : undefined),
      );
    }
    return this.apply(result, where, ctx, from);
  }

  onExit(): void {
    if (this.timer !== undefined) clearTimer(this.timer);
    if (this.viaName !== undefined) {
      const { via, name } = this.viaName;
      void Promise.resolve(via.unregisterName(name)).catch(() => undefined);
    }
  }

  /** A sys request: answered in the loop, so a suspended server answers it too. */
  private system(from: From, ctx: ProcessContext): void | Promise<void> {
    const def = this.def;
    const raw = () => (def.systemState === undefined ? this.state : def.systemState.get(this.state));
    // formatStatus shapes all that introspection shows; only replaceState's own function sees the raw state.
    const view: SystemView = {
      kind: this.kind,
      getState: () => (def.formatStatus === undefined ? raw() : def.formatStatus(this.state)),
      replaceState: (fn) => {
        this.state = def.systemState === undefined ? fn(this.state) : def.systemState.replace(this.state, fn(raw()));
        return view.getState();
      },
      formatStatus: () => view.getState(),
      hibernations: () => this.hibernations,
    };
    const held = (this.debug ??= new SystemDebug()).handle(from, view, ctx);
    if (held !== undefined) return this.replay(held, 0, ctx);
  }

  /** Handles the messages held while suspended, in order, before anything newer. */
  private replay(held: [unknown, number][], i: number, ctx: ProcessContext): void | Promise<void> {
    for (; i < held.length; i++) {
      const [message, tag] = held[i];
      const done = this.handleMessage(message, ctx, tag as Tag);
      const next = i + 1;
      if (isPromise(done)) return done.then(() => (processOf(ctx).alive ? this.replay(held, next, ctx) : undefined));
    }
  }

  /** Remembers a `via` name so it is released when the server ends. */
  holdViaName(name: ViaName): void {
    this.viaName = name;
  }

  private apply(outcome: Outcome, where: string, ctx: ProcessContext, from: From | undefined): void | Promise<void> {
    switch (outcome?.kind) {
      case 'reply':
        this.state = outcome.state;
        if (from === undefined)
          return this.fail(new BadArgError(`${where} returned reply, which only handleCall may`), where, ctx);
        from.reply(outcome.reply);
        if (outcome.next !== undefined) return this.next(outcome.next, ctx);
        this.armTimeout(outcome.timeout, ctx);
        return;
      case 'noreply':
        this.state = outcome.state;
        if (outcome.next !== undefined) return this.next(outcome.next, ctx);
        this.armTimeout(outcome.timeout, ctx);
        return;
      case 'stop':
        this.state = outcome.state;
        if (!outcome.hasReply || from === undefined) return this.terminate(outcome.reason, ctx);
        return this.terminateThenReply(outcome.reason, ctx, from, outcome.reply);
      default:
        return this.fail(
          new BadArgError(`${where} returned ${describeValue(outcome)}: expected reply(), noreply() or stop()`),
          where,
          ctx,
        );
    }
  }

  /** {continue, Arg} runs handleContinue now, inside this message's turn, so no message comes first; hibernate sheds. */
  private next(next: Continue | Hibernate, ctx: ProcessContext): void | Promise<void> {
    if (next?.kind === 'hibernate') return this.hibernate(ctx);
    const where = 'handleContinue';
    if (next?.kind !== 'continue')
      return this.fail(
        new BadArgError(`a result ended with ${String(next)}: expected a timeout, continueWith() or hibernate()`),
        where,
        ctx,
      );
    let result: Outcome | Promise<Outcome>;
    try {
      if (this.def.handleContinue === undefined)
        throw new BadArgError('a result asked to continue, and this server has no handleContinue');
      result = this.def.handleContinue(next.arg, this.state, ctx);
    } catch (error) {
      return this.fail(error, where, ctx);
    }
    if (isPromise(result)) {
      const process = processOf(ctx);
      return result.then(
        (outcome) => (process.alive ? this.apply(outcome, where, ctx, undefined) : undefined),
        (error: unknown) => (process.alive ? this.fail(error, where, ctx) : undefined),
      );
    }
    return this.apply(result, where, ctx, undefined);
  }

  /** See hibernate() in gen-server-types.ts: the state's hook, then the process's own storage. */
  private hibernate(ctx: ProcessContext): void | Promise<void> {
    if (this.def.hibernate !== undefined) {
      try {
        this.state = this.def.hibernate(this.state);
      } catch (error) {
        return this.fail(error, 'hibernate', ctx);
      }
    }
    if (this.debug !== null && this.debug.idle) this.debug = null;
    shed(ctx);
    this.hibernations++;
  }

  private init(request: InitRequest, ctx: ProcessContext): void | Promise<void> {
    // As gen_server's init_it on {stop, Reason}, an exception or a bad return: the process
    // exits with the reason, which reaches a linked parent (and kills it, if it does not trap
    // exits and the reason is not normal). The start rejects from that exit (startServer
    // watches the process), so the exit signal is on its way before the caller learns of it.
    const failed = (reason: ExitReason): never => {
      throw new ExitSignal(reason);
    };
    // As proc_lib:init_fail(Starter, ignore, {exit, normal}): a quiet end, and no EXIT for the parent.
    const ignored = (): never => {
      if (this.parent !== undefined) ctx.unlink(this.parent);
      request.reject(new IgnoredError());
      throw new ExitSignal('normal');
    };
    const settle = (result: InitResult<unknown>): void | Promise<void> => {
      switch (result?.kind) {
        case 'ok':
          this.state = result.state;
          request.resolve(ctx.self);
          if (result.next !== undefined) return this.next(result.next, ctx);
          this.armTimeout(result.timeout, ctx);
          return;
        case 'ignore':
          return ignored();
        case 'stop':
          return failed(result.reason);
        default:
          return failed(
            crashReason(new BadArgError(`init returned ${String(result)}: expected ok(), ignore() or stop()`), 'init'),
          );
      }
    };
    let result: InitResult<unknown> | Promise<InitResult<unknown>>;
    try {
      result = this.def.init(request.args, ctx);
    } catch (error) {
      return failed(crashReason(error, 'init'));
    }
    if (isPromise(result)) return result.then(settle, (error: unknown) => failed(crashReason(error, 'init')));
    return settle(result);
  }

  /** {stop, Reason, Reply, State}: as gen_server, terminate runs first and the reply follows, however terminate ends. */
  private terminateThenReply(
    reason: ExitReason,
    ctx: ProcessContext,
    from: From,
    value: unknown,
  ): void | Promise<void> {
    let ended: void | Promise<void>;
    try {
      ended = this.terminate(reason, ctx); // throws the exit, or returns a promise that rejects with it
    } catch (exit) {
      from.reply(value);
      throw exit;
    }
    if (!isPromise(ended)) return void from.reply(value);
    return ended.finally(() => void from.reply(value));
  }

  /** A callback threw: terminate runs with the crash as reason, then the process exits with it. */
  private fail(error: unknown, where: string, ctx: ProcessContext): void | Promise<void> {
    return this.terminate(crashReason(error, where), ctx);
  }

  private terminate(reason: ExitReason, ctx: ProcessContext): void | Promise<void> {
    const def = this.def;
    // Already ended during the callback (killed by itself or through a link): nothing more runs.
    if (def.terminate === undefined || !processOf(ctx).alive) throw new ExitSignal(reason);
    let result: void | Promise<void>;
    try {
      result = def.terminate(reason, this.state, ctx);
    } catch (error) {
      throw new ExitSignal(crashReason(error, 'terminate'));
    }
    if (isPromise(result)) {
      return result.then(
        () => {
          throw new ExitSignal(reason);
        },
        (error: unknown) => {
          throw new ExitSignal(crashReason(error, 'terminate'));
        },
      );
    }
    throw new ExitSignal(reason);
  }

  private armTimeout(timeout: number | undefined, ctx: ProcessContext): void {
    if (timeout === undefined || timeout === Infinity) return;
    const token = ++this.timerToken;
    const process = processOf(ctx);
    this.timer = setTimer(() => {
      this.timer = undefined;
      // A message that arrived in the meantime cancels the timeout, as with receive ... after.
      if (process.alive && (process.mailbox === null || process.mailbox.length === 0)) {
        process.node.deliver(process, new InactivityTimeout(token), Tag.System);
      }
    }, timeout);
  }
}

/** A GenServer named by module and export, so any scheduler can start it; D carries its types. */
export type RemoteDef<D> = RemoteSpec & { readonly [remoteDef]?: D };
declare const remoteDef: unique symbol;

/**
 * Names a GenServer definition by module path and export, so it can start on
 * any scheduler: `GenServer.remote<typeof counter>(require.resolve('./counter'), 'counter')`.
 */
export function remote<D>(module: string, exportName: string): RemoteDef<D> {
  return { module, export: exportName };
}

/** Captures a callback module's types; returns it unchanged. */
export function define<S, A, C, R, Ca, I>(def: GenServerDef<S, A, C, R, Ca, I>): GenServerDef<S, A, C, R, Ca, I> {
  return def;
}

/** A typed name for a server started with `{ name }`, for call() and cast(). */
export function ref<D>(_def: D, name: ServerName): ServerRef<D> {
  return name as ServerRef<D>;
}

/** Where a started process's parent is, when it is on another scheduler, and its preallocated pid id. */
export interface RemoteOrigin {
  id: number;
  parent?: number;
}

/**
 * @internal The start path shared by start, startLink and supervisors. With
 * `options.scheduler` naming another scheduler, `def` must be a `{ module,
 * export }` spec and the server starts there, linked to `parent`.
 */
export async function startServer(
  node: Node,
  parent: Process | null,
  def: AnyDef | RemoteSpec,
  args: unknown,
  options: StartOptions,
  remote?: RemoteOrigin,
): Promise<Pid | 'ignore'> {
  if (options.timeout !== undefined) checkTimeout('start', options.timeout);
  if (options.name !== undefined) checkServerName('start', options.name);
  const k = node.placement(options.scheduler);
  if (k !== node.schedulerId) {
    if (!isRemoteSpec(def))
      throw new BadArgError(`a definition cannot start on scheduler ${k}: pass { module, export } instead`);
    if (options.name !== undefined && typeof options.name !== 'string')
      throw new BadArgError('a via name cannot cross schedulers: use a local name');
    return node.remote().startRemote(parent, k, 'gen_server', def, args, {
      name: options.name,
      trapExit: options.trapExit,
      timeout: options.timeout,
    });
  }
  const local = isRemoteSpec(def) ? loadExport<AnyDef>(def) : def;
  return startSpecial(node, parent, (parentPid) => new GenServerProcess(local, parentPid), args, options, remote);
}

function unwrapIgnore(result: Pid | 'ignore'): Pid {
  if (result === 'ignore') throw new IgnoredError();
  return result;
}

/** gen_server:start: an unlinked server. Rejects with StartError, IgnoredError or AlreadyStartedError. */
export async function start<S, A, C, R, Ca, I>(
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: A,
  options: StartOptions = {},
): Promise<ServerPid<GenServerDef<S, A, C, R, Ca, I>>> {
  return unwrapIgnore(await startServer(currentNode(), null, def as unknown as AnyDef | RemoteSpec, args, options));
}

/**
 * gen_server:start_link: a server linked to the calling process. Call it in a
 * callback's synchronous part (a supervisor's child start function is one), or
 * pass the callback's ctx as `parent` (after an await).
 */
export async function startLink<S, A, C, R, Ca, I>(
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: A,
  options: StartOptions & LinkOptions = {},
): Promise<ServerPid<GenServerDef<S, A, C, R, Ca, I>>> {
  const { parent, ...startOptions } = options;
  const linked = linkParent('GenServer.startLink', parent);
  return unwrapIgnore(
    await startServer(currentNode(), linked, def as unknown as AnyDef | RemoteSpec, args, startOptions),
  );
}

/**
 * gen_server:call. Rejects with NoProcError if the server is not running,
 * CallTimeoutError after `timeoutMs` (default 5000; Infinity for none), or
 * CallExitError if it exits before replying.
 */
export function call<T extends Pid | ServerName, const Q extends RequestFor<T>>(
  server: T,
  request: Q,
  timeoutMs?: number,
): Promise<ReplyTo<T, Q>>;
export function call(server: Pid | ServerName, request: unknown, timeoutMs = 5000): Promise<unknown> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(badTimeout('call', timeoutMs));
  const node = currentNode();
  const target = node.route(server);
  if (target instanceof Pid) {
    // On another scheduler: the From stays here (with its timeout); the reply comes back as a record.
    return new Promise((resolve, reject) => {
      const from = new RemoteFrom(resolve, reject, target, request);
      node.remote(target).call(target, from, request);
      if (timeoutMs !== Infinity) node.timeouts.add(from, timeoutMs);
    });
  }
  if (target === undefined || !target.alive) {
    if (!(server instanceof Pid) && !isServerName(server)) return Promise.reject(badName('call', server));
    return Promise.reject(new NoProcError(server instanceof Pid ? server.toString() : describeName(server)));
  }
  if (target === running.process) return Promise.reject(new BadArgError(`${target.self} called itself`));
  return new Promise((resolve, reject) => {
    const from = new From(resolve, reject, target, request);
    attachCall(target, from);
    if (timeoutMs !== Infinity) node.timeouts.add(from, timeoutMs);
    node.deliver(target, from, Tag.Call);
  });
}

/** gen_server:cast: fire and forget; a cast to a server that is not running is dropped. */
export function cast<T extends Pid | ServerName>(server: T, message: CastFor<T>): void;
export function cast(server: Pid | ServerName, message: unknown): void {
  const node = currentNode();
  const target = node.route(server);
  if (target instanceof Pid) node.remote(target).send(target, Tag.Cast, message);
  else if (target !== undefined) node.deliver(target, message, Tag.Cast);
  else if (!(server instanceof Pid) && !isServerName(server)) throw badName('cast', server);
}

/**
 * A cast that the server handles before this returns, when it can do so exactly as its next
 * run would: the server is on this thread, idle (nothing in its mailbox, no async callback
 * pending), and the caller is not a process (an I/O listener, a timer). Otherwise it is an
 * ordinary cast. For input from I/O: it saves the trip through the run queue, and the
 * server's handleCast still runs as that process (self(), crashes, links all as usual).
 */
export function castInline<T extends Pid | ServerName>(server: T, message: CastFor<T>): void;
export function castInline(server: Pid | ServerName, message: unknown): void {
  const node = currentNode();
  const target = node.route(server);
  if (target instanceof Pid) node.remote(target).send(target, Tag.Cast, message);
  else if (target !== undefined) node.deliverNow(target, message, Tag.Cast);
  else if (!(server instanceof Pid) && !isServerName(server)) throw badName('castInline', server);
}

/** gen_server:reply: answers a call that handleCall kept (returned noreply for). */
export function replyTo<R>(from: From<R>, value: NoInfer<R>): boolean {
  return from.reply(value);
}

/**
 * gen_server:stop: terminate runs with `reason`, and this resolves once the
 * server has exited. Rejects with NoProcError, or CallTimeoutError after `timeoutMs`.
 */
export function stopServer(
  server: Pid | ServerName,
  reason: ExitReason = 'normal',
  timeoutMs = Infinity,
): Promise<void> {
  return stopSpecial(server, reason, timeoutMs);
}

function badName(what: string, name: unknown): BadArgError {
  return new BadArgError(`${what}: a server is a pid, a string or via(service, name), got ${describeValue(name)}`);
}

/** A supervisor child spec that starts this server with startLink semantics; init's ignore is honoured. */
export function childSpec<S, A, C, R, Ca, I>(
  id: string,
  def: GenServerDef<S, A, C, R, Ca, I> | RemoteDef<GenServerDef<S, A, C, R, Ca, I>>,
  args: A,
  options: StartOptions & Omit<ChildSpec, 'id' | 'start'> = {},
): ChildSpec {
  const { restart, shutdown, type, ...startOptions } = options;
  return {
    id,
    start: () => startServer(currentNode(), running.process, def as unknown as AnyDef | RemoteSpec, args, startOptions),
    restart,
    shutdown,
    type,
  };
}

/** The GenServer API in one namespace, with OTP's names. */
export const GenServer = {
  define,
  calls,
  ref,
  start,
  startLink,
  call,
  cast,
  castInline,
  reply: replyTo,
  stop: stopServer,
  childSpec,
  remote,
} as const;
