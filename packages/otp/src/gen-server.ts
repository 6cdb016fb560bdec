/**
 * GenServer: the gen_server loop (GenServerProcess) and its API. One file past ~400 lines
 * because the loop, startServer and the API share the start machinery (InitRequest, the
 * watch that fails a start, via names); the call/cast API is the part to move out first.
 */
import { isDeepStrictEqual } from 'node:util';
import { attachCall, From, RemoteFrom } from './call';
import type { ChildSpec } from './child-spec';
import type { Behaviour, LinkOptions, ProcessContext } from './context';
import { currentNode, running } from './current';
import { AlreadyRegisteredError, AlreadyStartedError, BadArgError, CallExitError, CallTimeoutError, NoProcError, OtpError, StartError } from './errors';
import type {
  CastFor,
  CallResult,
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
import { linkedStartFailed, linkParent } from './linked-start';
import { InitRequest, StopRequest } from './system-messages';
import { ExitMessage } from './messages';
import { checkServerName, describeName, describeValue, isServerName, isViaName, type ServerName, type ViaName } from './names';
import { loadExport, type Node } from './node';
import { isRemoteSpec, type RemoteSpec } from './cluster/remote';
import { Pid } from './pid';
import type { Process } from './process';
import { crashReason, ExitSignal, type ExitReason } from './reason';

class InactivityTimeout {
  constructor(readonly token: number) {}
}

/**
 * OTP's `ignore`: init returned ignore (or a child's start function did), so nothing
 * started. Every start in the API (start, startLink, startChild, restartChild) rejects
 * with it; a supervisor keeps such a child's spec as not running (unless temporary).
 */
export class IgnoredError extends OtpError {
  constructor(readonly childId?: string) {
    super('ignore', childId === undefined ? 'init returned ignore' : `child ${childId}: start returned ignore`);
  }
}

type AnyDef = GenServerDef<unknown, unknown, unknown, unknown, unknown, unknown>;
type Outcome = CallResult<unknown, unknown> | CastResult<unknown> | InitResult<unknown>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/** The gen_server loop as a behaviour: one instance per server process. */
class GenServerProcess implements Behaviour {
  readonly kind: string;
  state: unknown = undefined;
  private timer: Timer | undefined;
  private timerToken = 0;
  private viaName: ViaName | undefined;
  /** sys's flags, from the first sys request on. */
  private debug: SystemDebug | null = null;

  constructor(
    private readonly def: AnyDef,
    private readonly parent: Pid | undefined,
  ) {
    this.kind = def.name === undefined ? 'gen_server' : `gen_server:${def.name}`;
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
    } else if (tag === Tag.Info && message instanceof ExitMessage && this.parent !== undefined && message.from.equals(this.parent)) {
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
          if (def.handleCast === undefined) throw new BadArgError('no handleCast in this server');
          result = def.handleCast(message, this.state, ctx);
          break;
        case Tag.Call:
          where = 'handleCall';
          from = message as From;
          if (def.handleCall === undefined) throw new BadArgError('no handleCall in this server');
          result = def.handleCall(from.request, from, this.state, ctx);
          break;
        case Tag.System:
          if (!(message instanceof InactivityTimeout) || message.token !== this.timerToken) return;
          where = 'handleInfo';
          if (def.handleInfo === undefined) return;
          result = def.handleInfo('timeout', this.state, ctx);
          break;
        default:
          where = 'handleInfo';
          if (def.handleInfo === undefined) {
            // As gen_server does without handle_info: log the stray message and carry on.
            (ctx as Process).node.logger.warn(`${ctx.self} (${this.kind}) dropped an unexpected message`, { message: String(message) });
            return;
          }
          result = def.handleInfo(message, this.state, ctx);
      }
    } catch (error) {
      return this.fail(error, where!, ctx);
    }
    if (isPromise(result)) {
      // Killed while the callback was pending: the process is gone, so what the callback
      // settles with is dropped. Nothing of a killed gen_server runs, terminate included.
      const process = ctx as Process;
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
    const view: SystemView = {
      kind: this.kind,
      getState: () => (def.systemState === undefined ? this.state : def.systemState.get(this.state)),
      replaceState: (fn) => {
        this.state = def.systemState === undefined ? fn(this.state) : def.systemState.replace(this.state, fn(def.systemState.get(this.state)));
        return view.getState();
      },
      formatStatus: () => (def.formatStatus === undefined ? view.getState() : def.formatStatus(this.state)),
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
      if (isPromise(done)) return done.then(() => ((ctx as Process).alive ? this.replay(held, next, ctx) : undefined));
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
        if (from === undefined) return this.fail(new BadArgError(`${where} returned reply, which only handleCall may`), where, ctx);
        from.reply(outcome.reply);
        this.armTimeout(outcome.timeout, ctx);
        return;
      case 'noreply':
        this.state = outcome.state;
        this.armTimeout(outcome.timeout, ctx);
        return;
      case 'stop':
        this.state = outcome.state;
        if (!outcome.hasReply || from === undefined) return this.terminate(outcome.reason, ctx);
        return this.terminateThenReply(outcome.reason, ctx, from, outcome.reply);
      default:
        return this.fail(new BadArgError(`${where} returned ${describeValue(outcome)}: expected reply(), noreply() or stop()`), where, ctx);
    }
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
    const settle = (result: InitResult<unknown>): void => {
      switch (result?.kind) {
        case 'ok':
          this.state = result.state;
          request.resolve(ctx.self);
          this.armTimeout(result.timeout, ctx);
          return;
        case 'ignore':
          return ignored();
        case 'stop':
          return failed(result.reason);
        default:
          return failed(crashReason(new BadArgError(`init returned ${String(result)}: expected ok(), ignore() or stop()`), 'init'));
      }
    };
    let result: InitResult<unknown> | Promise<InitResult<unknown>>;
    try {
      result = this.def.init(request.args, ctx);
    } catch (error) {
      return failed(crashReason(error, 'init'));
    }
    if (isPromise(result)) return result.then(settle, (error: unknown) => failed(crashReason(error, 'init')));
    settle(result);
  }

  /** {stop, Reason, Reply, State}: as gen_server, terminate runs first and the reply follows, however terminate ends. */
  private terminateThenReply(reason: ExitReason, ctx: ProcessContext, from: From, value: unknown): void | Promise<void> {
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
    if (def.terminate === undefined || !(ctx as Process).alive) throw new ExitSignal(reason);
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
    const process = ctx as Process;
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
export function define<S, A, C, R, Ca, I>(
  def: GenServerDef<S, A, C, R, Ca, I>,
): GenServerDef<S, A, C, R, Ca, I> {
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
    if (!isRemoteSpec(def)) throw new BadArgError(`a definition cannot start on scheduler ${k}: pass { module, export } instead`);
    if (options.name !== undefined && typeof options.name !== 'string') throw new BadArgError('a via name cannot cross schedulers: use a local name');
    const { startRemote } = require('./cluster/spawn-handler') as typeof import('./cluster/spawn-handler');
    return startRemote(node, parent, k, 'gen_server', def, args, { name: options.name, trapExit: options.trapExit, timeout: options.timeout });
  }
  const local = isRemoteSpec(def) ? loadExport<AnyDef>(def) : def;
  const parentPid = parent?.self ?? (remote?.parent !== undefined ? node.pidOf(remote.parent) : undefined);
  const behaviour = new GenServerProcess(local, parentPid);
  const process = node.spawnFrom(parent, behaviour, { link: parent !== null, trapExit: options.trapExit }, remote?.id);
  if (remote?.parent !== undefined) node.peer!.relationsOf(process).links.add(remote.parent);
  const name = options.name;
  if (name !== undefined) {
    const registered = await registerName(node, name, process.self);
    if (!registered) {
      const holder = node.route(name);
      if (parentPid !== undefined) node.unlink(process, parentPid);
      node.exitProcess(process, 'normal');
      throw new AlreadyStartedError(describeName(name), holder instanceof Pid ? holder : holder?.self);
    }
    if (isViaName(name)) behaviour.holdViaName(name);
  }
  const started = new Promise<Pid | 'ignore'>((resolve, reject) => {
    let timer: Timer | undefined;
    // As proc_lib's start: a server that ends before init returns (killed, or linked to
    // something that died) fails the start with its reason instead of leaving it pending.
    if (!process.alive) return reject(new StartError(process.reason ?? 'noproc'));
    const unwatch = node.watch(process.self, (reason) => {
      if (timer !== undefined) clearTimer(timer);
      reject(new StartError(reason));
    });
    const settle = <T>(fn: (value: T) => void) => (value: T) => {
      if (timer !== undefined) clearTimer(timer);
      unwatch();
      fn(value);
    };
    if (options.timeout !== undefined && options.timeout !== Infinity) {
      timer = setTimer(() => {
        if (parentPid !== undefined) node.unlink(process, parentPid);
        reject(new StartError('timeout'));
        node.exitProcess(process, 'killed');
      }, options.timeout);
    }
    node.deliver(process, new InitRequest(args, settle(resolve), settle(reject)), Tag.System);
  });
  return parent === null ? started : started.catch((error: unknown) => linkedStartFailed(parent, process.self, error));
}

async function registerName(node: Node, name: ServerName, pid: Pid): Promise<boolean> {
  if (typeof name === 'string') {
    if (node.whereis(name) !== undefined) return false;
    try {
      node.register(name, pid);
    } catch (error) {
      if (error instanceof AlreadyRegisteredError) return false; // another scheduler took it meanwhile
      throw error;
    }
    return true;
  }
  return name.via.registerName(name.name, pid);
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
  return unwrapIgnore(await startServer(currentNode(), linked, def as unknown as AnyDef | RemoteSpec, args, startOptions));
}

/**
 * gen_server:call. Rejects with NoProcError if the server is not running,
 * CallTimeoutError after `timeoutMs` (default 5000; Infinity for none), or
 * CallExitError if it exits before replying.
 */
export function call<T extends Pid | ServerName, const Q extends RequestFor<T>>(server: T, request: Q, timeoutMs?: number): Promise<ReplyTo<T, Q>>;
export function call(server: Pid | ServerName, request: unknown, timeoutMs = 5000): Promise<unknown> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(badTimeout('call', timeoutMs));
  const node = currentNode();
  const target = node.route(server);
  if (target instanceof Pid) {
    // On another scheduler: the From stays here (with its timeout); the reply comes back as a record.
    return new Promise((resolve, reject) => {
      const from = new RemoteFrom(resolve, reject, target, request);
      node.peer!.call(target, from, request);
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
  if (target instanceof Pid) node.peer!.send(target, Tag.Cast, message);
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
  if (target instanceof Pid) node.peer!.send(target, Tag.Cast, message);
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
export async function stopServer(server: Pid | ServerName, reason: ExitReason = 'normal', timeoutMs = Infinity): Promise<void> {
  checkTimeout('stop', timeoutMs);
  if (!(server instanceof Pid)) checkServerName('stop', server);
  const node = currentNode();
  const target = node.route(server);
  const label = server instanceof Pid ? server.toString() : describeName(server);
  if (target === undefined || (!(target instanceof Pid) && !target.alive)) throw new NoProcError(label);
  // A spawned function has no terminate to run and would take the request for its start.
  if (!(target instanceof Pid) && target.behaviour === null) throw new BadArgError(`${label} is a spawned function, not a GenServer: use exit(pid, reason)`);
  const pid = target instanceof Pid ? target : target.self;
  const exited = node.awaitExit(pid);
  if (target instanceof Pid) node.peer!.stop(target, reason);
  else node.deliver(target, new StopRequest(reason), Tag.System);
  let timer: Timer | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (timeoutMs !== Infinity) timer = setTimer(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  if (timer !== undefined) clearTimer(timer);
  if (outcome === 'timeout') throw new CallTimeoutError(label, timeoutMs);
  // By value: a reason that crossed from another scheduler is a copy.
  if (outcome !== reason && !isDeepStrictEqual(outcome, reason)) throw new CallExitError(label, outcome);
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
