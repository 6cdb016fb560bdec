import {
  DynamicSupervisor,
  GenServer,
  MaxChildrenError,
  NoProcError,
  type ChildSpec,
  type DynamicSupervisorSpec,
  type Pid,
  via,
} from '@erlmcp/otp';
import { type JsonLimits, resolveJsonLimits } from '../jsonrpc/json-limits';
import type { McpServerDefinition } from '../server/definition';
import {
  type HostedSessionOptions,
  newSessionId,
  type SessionChannel,
  type SessionHosting,
  SessionLimitError,
} from '../server/session-hosting';
import { type SessionCast, sessionServer, type SessionProcessArgs, type SessionSummary } from './session-process';
import { SessionRegistry } from './session-registry';
import { emitConnection, listening, type McpTransportKind } from '../server/telemetry';
import './telemetry';

export interface SessionHostOptions {
  /** Sessions beyond this many are refused (HTTP 503, WebSocket close 1013). Default 100,000. */
  maxSessions?: number;
  /** A session with no input and nothing open for this long ends. Default 10 minutes; Infinity for never. */
  idleTimeoutMs?: number;
  /** Milliseconds a session process gets to close its streams at shutdown. Default 5000. */
  shutdownMs?: number;
  /**
   * Options for every ServerSession (onError, maxFrameBytes, jsonLimits, requestTimeoutMs).
   * The Streamable HTTP front door parses bodies for its sessions with the same `jsonLimits`.
   */
  session?: HostedSessionOptions;
  /** The registered name of the session supervisor; default a unique `mcp_sessions_<n>`. */
  name?: string;
}

let hostCount = 0;

/**
 * Hosts MCP sessions as processes under a DynamicSupervisor: one `sessionServer` per session,
 * registered by session id through a `via` name service. Transports start sessions and
 * deliver input through it; the definition (closures) stays on this thread, scheduler 0.
 *
 * Place it in a tree with {@link childSpec}, or run it alone with {@link start}.
 */
export class SessionHost implements SessionHosting {
  readonly registry = new SessionRegistry();
  /** The session supervisor's registered name. */
  readonly supervisorName: string;
  private readonly idleTimeoutMs: number;
  /** Sweep count at each session's last input: one small integer per session, no timer each. */
  private readonly lastSeen = new Map<string, number>();
  private sweeps = 0;
  private sweeper: NodeJS.Timeout | undefined;
  /** Options of every session this host starts (stateless 2026-07-28 requests use them too). */
  readonly sessionOptions: HostedSessionOptions;
  private readonly spec: DynamicSupervisorSpec<[SessionProcessArgs<unknown>]>;
  private standalone: Pid | undefined;
  /** The sessions' JSON limits, checked here (RangeError) so that a bad one fails at start. */
  readonly jsonLimits: Readonly<Required<JsonLimits>>;

  constructor(
    readonly definition: McpServerDefinition,
    options: SessionHostOptions = {},
  ) {
    this.supervisorName = options.name ?? `mcp_sessions_${++hostCount}`;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.sessionOptions = options.session ?? {};
    this.jsonLimits = resolveJsonLimits(this.sessionOptions.jsonLimits);
    const registry = this.registry;
    registry.onUnregister((id) => this.lastSeen.delete(id));
    this.spec = {
      child: {
        start: (args: SessionProcessArgs<unknown>) =>
          GenServer.startLink(sessionServer, args, { name: via(registry, args.id) }),
        // A session's state dies with it: a restarted one would have a new id the client never saw.
        restart: 'temporary',
        shutdown: options.shutdownMs ?? 5000,
      },
      maxChildren: options.maxSessions ?? 100_000,
    };
  }

  /** The session supervisor as a child of your tree. */
  childSpec(id = 'mcp_sessions'): ChildSpec {
    return DynamicSupervisor.childSpec(id, this.spec, { name: this.supervisorName });
  }

  /** Starts the session supervisor on its own (not linked to the caller). */
  async start(): Promise<this> {
    this.standalone = await DynamicSupervisor.start(this.spec, { name: this.supervisorName });
    return this;
  }

  /** Stops a supervisor started with {@link start}: every session ends. */
  async stop(): Promise<void> {
    const pid = this.standalone;
    this.standalone = undefined;
    if (pid !== undefined) await GenServer.stop(pid, 'shutdown').catch(() => undefined);
  }

  /**
   * Starts a session process for this channel; resolves with its new id. Rejects with
   * SessionLimitError when full. A transport that names itself gets an `mcp:connection` event.
   */
  async startSession<M>(
    channel: SessionChannel<M>,
    id = newSessionId(),
    transport?: McpTransportKind,
  ): Promise<string> {
    const args: SessionProcessArgs<M> = {
      id,
      definition: this.definition,
      channel,
      sessionOptions: this.sessionOptions,
      ...(transport === undefined ? {} : { transport }),
    };
    const timed = transport !== undefined && listening('mcp:connection') !== undefined ? performance.now() : undefined;
    try {
      await DynamicSupervisor.startChild(this.supervisorName, args as SessionProcessArgs<unknown>);
    } catch (error) {
      const full = error instanceof MaxChildrenError;
      if (timed !== undefined) {
        emitConnection({
          transport: transport!,
          outcome: full ? 'rejected' : 'error',
          ...(full ? { reason: 'capacity' } : {}),
          durationMs: performance.now() - timed,
        });
      }
      if (full) throw new SessionLimitError(error.max, { cause: error });
      throw error;
    }
    if (timed !== undefined)
      emitConnection({
        transport: transport!,
        outcome: 'accepted',
        durationMs: performance.now() - timed,
        pid: this.registry.whereisName(id),
      });
    if (this.registry.whereisName(id) !== undefined) {
      this.lastSeen.set(id, this.sweeps);
      this.startSweeping();
    }
    return id;
  }

  /**
   * Every quarter of the idle timeout, tells the sessions that had no input for four sweeps
   * that they are idle. The timer is unref'd and stops when no session is left.
   */
  private startSweeping(): void {
    if (this.sweeper !== undefined || !(Number.isFinite(this.idleTimeoutMs) && this.idleTimeoutMs > 0)) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1, this.idleTimeoutMs / 4));
    this.sweeper.unref();
  }

  private sweep(): void {
    if (this.lastSeen.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = ++this.sweeps;
    for (const [id, seen] of this.lastSeen) {
      if (now - seen < 4) continue;
      const pid = this.registry.whereisName(id);
      if (pid === undefined) {
        this.lastSeen.delete(id);
        continue;
      }
      // Asked again only after another full timeout, if it stays (an open stream, a running call).
      this.lastSeen.set(id, now);
      try {
        GenServer.cast(pid, { kind: 'idle' } satisfies SessionCast<unknown>);
      } catch {
        // The node stopped under us: nothing left to expire.
        this.lastSeen.clear();
      }
    }
  }

  /** The process of a session; undefined when it is gone. */
  lookup(id: string): Pid | undefined {
    return this.registry.whereisName(id);
  }

  has(id: string): boolean {
    return this.registry.whereisName(id) !== undefined;
  }

  onSessionEnd(listener: (id: string) => void): () => void {
    return this.registry.onUnregister(listener);
  }

  /**
   * Casts transport input to a session; false when no such session is alive. From an I/O
   * listener, an idle session process handles it before this returns (GenServer.castInline):
   * a synchronous tool is answered without a trip through the run queue, still in the
   * session's process, in order after anything already in its mailbox.
   */
  deliver<M>(id: string, message: M): boolean {
    const pid = this.registry.whereisName(id);
    if (pid === undefined) return false;
    this.lastSeen.set(id, this.sweeps);
    const input: SessionCast<M> =
      listening('mcp:transport') === undefined
        ? { kind: 'input', message }
        : { kind: 'input', message, at: performance.now() };
    GenServer.castInline(pid, input);
    return true;
  }

  /** Asks a session to end (DELETE, a socket closed); false when it was not alive. */
  end(id: string): boolean {
    const pid = this.registry.whereisName(id);
    if (pid === undefined) return false;
    GenServer.cast(pid, { kind: 'close' } satisfies SessionCast<unknown>);
    return true;
  }

  get sessionCount(): number {
    return this.registry.size;
  }

  /** What a session process says about itself; undefined when it is gone. */
  async summary(id: string): Promise<SessionSummary | undefined> {
    const pid = this.registry.whereisName(id);
    if (pid === undefined) return undefined;
    try {
      return (await GenServer.call(pid, 'summary')) as SessionSummary;
    } catch (error) {
      if (error instanceof NoProcError) return undefined;
      throw error;
    }
  }
}
