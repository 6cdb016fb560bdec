import { GenServer, noreply, ok, send, stop, type Pid } from '@erlmcp/otp';
import { CheckError, ConnectError } from './errors';
import type { ConnectionFactory } from './factory';

export type ConnectionState = 'connecting' | 'ready' | 'checking' | 'closing' | 'dead';

/**
 * One pooled connection, as callers see it: `resource` is the real thing (a
 * socket, an undici Client, a WebSocket, an MCP client). The same object is
 * handed out lease after lease; the pool tracks its state.
 */
export class PooledConnection<R> {
  /** Set once connected; never read it before acquire() hands the connection out. */
  resource!: R;
  /** The process that owns the connection (under the pool's DynamicSupervisor). */
  pid: Pid | undefined;
  /** @internal */ state: ConnectionState = 'connecting';
  /** @internal Handed out and not yet released. */ leased = false;
  /** Leases so far. */
  uses = 0;
  /** @internal When it last became idle (the pool's clock). */ idleSince = 0;
  /** @internal The process holding it, when a process acquired it. */ holder: Pid | undefined;
  constructor(
    /** Unique within its pool. */
    readonly id: number,
  ) {}
}

/** What the pool gives the connection process it starts. */
export interface ConnectionArgs<R> {
  conn: PooledConnection<R>;
  factory: ConnectionFactory<R>;
  pool: Pid;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
}

/** What a connection process tells its pool (plain messages, so they are ordered with DOWN). */
export type ConnectionReport =
  { tag: 'up'; id: number } | { tag: 'checked'; id: number } | { tag: 'failed'; id: number; reason: unknown };

type Cast = { op: 'check'; timeoutMs: number } | { op: 'close' };

interface ConnState<R> {
  args: ConnectionArgs<R>;
  connected: boolean;
}

/** Races a promise against a timer; the timer never keeps the event loop alive. */
function deadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The process that owns one connection: it connects (after init, so that the
 * supervisor's startChild does not wait on the network and connects run in
 * parallel), runs health checks, and closes the connection in terminate: on a
 * close from the pool, on a failed check, when the peer goes away, and on the
 * supervisor's shutdown (it traps exits, so terminate runs then too).
 */
export const connectionServer = GenServer.define({
  name: 'transport-pool:connection',
  init: (args: ConnectionArgs<unknown>, ctx) => {
    ctx.trapExit(true);
    args.conn.pid = ctx.self;
    ctx.send(ctx.self, 'connect');
    return ok<ConnState<unknown>>({ args, connected: false });
  },
  handleCast: async (message: Cast, state: ConnState<unknown>) => {
    const { conn, factory, pool } = state.args;
    if (message.op === 'close') return stop('normal', state);
    const controller = new AbortController();
    try {
      await deadline(factory.check!(conn.resource, controller.signal), message.timeoutMs, () => {
        controller.abort();
        return new CheckError(`health check of connection ${conn.id} did not answer within ${message.timeoutMs} ms`);
      });
    } catch (error) {
      return stop(
        { check_failed: error instanceof CheckError ? error.message : String((error as Error)?.message ?? error) },
        state,
      );
    }
    send(pool, { tag: 'checked', id: conn.id } satisfies ConnectionReport);
    return noreply(state);
  },
  // `message`: 'connect', { lost: reason }, or anything else sent to the process.
  handleInfo: async (message: unknown, state: ConnState<unknown>, ctx) => {
    const { conn, factory, pool, connectTimeoutMs } = state.args;
    if (message === 'connect') {
      const controller = new AbortController();
      try {
        const connecting = Promise.resolve().then(() => factory.connect(controller.signal));
        conn.resource = await deadline(connecting, connectTimeoutMs, () => {
          controller.abort();
          // A connect that lost the race may still succeed later: close what it opens.
          connecting
            .then(
              (late) => factory.close(late),
              () => undefined,
            )
            .catch(() => undefined);
          return new ConnectError(`connect did not succeed within ${connectTimeoutMs} ms`, undefined);
        });
      } catch (error) {
        send(pool, { tag: 'failed', id: conn.id, reason: error } satisfies ConnectionReport);
        return stop({ connect_failed: (error as Error)?.message ?? String(error) }, state);
      }
      state.connected = true;
      const self = ctx.self;
      let reported = false;
      factory.watch?.(conn.resource, (reason) => {
        if (reported) return;
        reported = true;
        // Known dead from this moment: the fast path skips it even before the pool hears.
        if (conn.state === 'ready') conn.state = 'dead';
        send(self, { lost: reason });
      });
      send(pool, { tag: 'up', id: conn.id } satisfies ConnectionReport);
      return noreply(state);
    }
    if (typeof message === 'object' && message !== null && 'lost' in message) {
      const reason = (message as { lost: unknown }).lost;
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what a transport closed with, when it is not an Error
      return stop({ connection_lost: (reason as Error)?.message ?? String(reason ?? 'closed') }, state);
    }
    // An exit signal from the supervisor (we trap exits): stop, closing in terminate.
    if (typeof message === 'object' && message !== null && (message as { type?: string }).type === 'EXIT') {
      return stop((message as { reason: never }).reason, state);
    }
    return noreply(state);
  },
  terminate: async (_reason, state: ConnState<unknown>) => {
    const { conn, factory, closeTimeoutMs } = state.args;
    conn.state = 'dead';
    if (!state.connected) return;
    try {
      await deadline(
        Promise.resolve().then(() => factory.close(conn.resource)),
        closeTimeoutMs,
        () => new Error('close timed out'),
      );
    } catch {
      // A close that fails or hangs leaves nothing more to do: the process is ending anyway.
    }
  },
});
