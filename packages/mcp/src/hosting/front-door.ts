import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  FRONT_DOOR_ENV,
  FRONT_DOOR_KEY_ENV,
  type FromWorker,
  type FrontDoorEnv,
  isFrontDoorMessage,
  type ToWorker,
} from './front-door-protocol';

/**
 * The multi-process front door: node:cluster workers share one port, each a whole server
 * (its own node, host and definition, built by the `exec` script), so 2026-07-28 requests,
 * which need no session, are answered by whichever process took the connection. A 2025
 * session lives in the worker that took its `initialize`; its id starts with that worker's
 * index, and any other worker forwards its requests to the owner's private port on
 * 127.0.0.1. Every worker signs `requestState` with one key, made here.
 *
 *                 primary (this process: forks, routes table, restarts)
 *                  │ shared port (cluster round robin)
 *        ┌─────────┼─────────┐
 *     worker 0  worker 1  worker n-1   each: listenHttp(...) on the shared port
 *        └── 127.0.0.1 private ports ──┘   and a private one, for forwarded sessions
 */
export interface FrontDoorOptions {
  /** The script each worker runs; it calls `listenHttp`, which joins the front door. Default: process.argv[1]. */
  exec?: string;
  args?: string[];
  execArgv?: string[];
  /** Added to each worker's environment. */
  env?: Record<string, string>;
  /** Worker processes. Default: os.availableParallelism(). */
  workers?: number;
  /** The shared port; default 0, a free one. The workers' own `port` option is overridden. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** The MCP endpoint the workers serve, for {@link FrontDoor.url}. Default '/mcp'. */
  path?: string;
  /** How long the workers may take to listen (ms). Default 60000. */
  readyTimeoutMs?: number;
  /** How long a worker may take to close before it is killed (ms). Default 10000. */
  stopTimeoutMs?: number;
  /** Restarts of crashed workers allowed within 60 s before one is left down (OTP's intensity). Default 5. */
  maxRestarts?: number;
  /** Told of a worker that exited while the front door was open (it is restarted if allowed). */
  onWorkerExit?: (exit: { index: number; pid: number; code: number | null; signal: string | null }) => void;
}

export interface FrontDoor {
  /** http://<hostname>:<port><path> */
  url: string;
  port: number;
  /** The worker processes serving the port now, by index (a restarted one once it listens). */
  pids(): number[];
  /** Stops every worker (each closes its server and exits; killed past `stopTimeoutMs`). */
  close(): Promise<void>;
}

/** A worker did not come up: it exited first or took longer than `readyTimeoutMs`. */
export class FrontDoorStartError extends Error {
  override readonly name = 'FrontDoorStartError';
}

/**
 * Starts the front door from the primary process (see {@link FrontDoorOptions}); resolves
 * when every worker serves the shared port. Call it where `cluster.isPrimary`; the workers
 * run `exec`, in which `listenHttp` sees {@link frontDoorWorker} and joins.
 */
export async function startFrontDoor(options: FrontDoorOptions = {}): Promise<FrontDoor> {
  if (!cluster.isPrimary) throw new FrontDoorStartError('startFrontDoor runs in the primary process');
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1 || count > 999)
    throw new RangeError(`workers must be an integer from 1 to 999; got ${count}`);
  const hostname = options.hostname ?? '127.0.0.1';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const maxRestarts = options.maxRestarts ?? 5;
  const key = randomBytes(32).toString('base64');
  // Only what was given: an undefined key would replace node's default (process.execArgv) with nothing.
  cluster.setupPrimary({
    exec: options.exec ?? process.argv[1],
    ...(options.args === undefined ? {} : { args: options.args }),
    ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
  });

  /**
   * What every worker, a restarted one too, passes to listen(): node:cluster shares one handle
   * per (address, port) as asked, so a restart asking for the bound port instead of 0 would
   * try a second bind and fail with EADDRINUSE.
   */
  const asked = options.port ?? 0;
  let port = asked;
  let closing = false;
  const workers: (Worker | undefined)[] = new Array<Worker | undefined>(count).fill(undefined);
  const ports: number[] = new Array<number>(count).fill(0);
  /** Workers that have joined (they listen for 'stop'); one that has not is sent SIGTERM instead. */
  const joined = new WeakSet<Worker>();
  /** Workers that serve the shared port. */
  const serving = new WeakSet<Worker>();
  const restarts: number[] = [];
  let readyCount = 0;
  let ready: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;

  const broadcast = (message: ToWorker): void => {
    // A worker exiting at the same time (all of them, on close) may have closed its end of the
    // channel while still connected here: its EPIPE would be an unhandled 'error' that takes
    // the primary down. It needs no routes any more; its own exit is handled below.
    for (const worker of workers) if (worker?.isConnected()) worker.send(message, () => undefined);
  };

  const fork = (index: number): void => {
    const env: FrontDoorEnv = { index, workers: count, port: asked, hostname };
    const worker = cluster.fork({ ...options.env, [FRONT_DOOR_ENV]: JSON.stringify(env), [FRONT_DOOR_KEY_ENV]: key });
    workers[index] = worker;
    let listening = false;
    worker.on('message', (message: unknown) => {
      if (!isFrontDoorMessage(message)) return;
      const told = message as FromWorker;
      if (told.erlmcpFrontDoor === 'private') {
        joined.add(worker);
        ports[index] = told.port;
        broadcast({ erlmcpFrontDoor: 'routes', ports });
      } else if (told.erlmcpFrontDoor === 'listening' && !listening) {
        listening = true;
        serving.add(worker);
        port = told.port;
        readyCount += 1;
        if (readyCount === count) ready?.();
      }
    });
    worker.once('exit', (code, signal) => {
      if (workers[index] === worker) {
        workers[index] = undefined;
        ports[index] = 0;
        broadcast({ erlmcpFrontDoor: 'routes', ports });
      }
      if (closing) return;
      if (!listening)
        return failed?.(new FrontDoorStartError(`worker ${index} exited (${code ?? signal}) before listening`));
      readyCount -= 1;
      options.onWorkerExit?.({ index, pid: worker.process.pid ?? 0, code, signal });
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length < maxRestarts) {
        restarts.push(now);
        fork(index);
      }
    });
  };

  const stopAll = async (): Promise<void> => {
    closing = true;
    const alive = workers.filter(
      (worker): worker is Worker => worker !== undefined && worker.process.exitCode === null,
    );
    await Promise.all(
      alive.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), stopTimeoutMs);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (worker.isConnected() && joined.has(worker)) worker.send({ erlmcpFrontDoor: 'stop' } satisfies ToWorker);
            else worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  try {
    await new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
      const timer = setTimeout(
        () => reject(new FrontDoorStartError(`the workers did not all listen within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      void Promise.resolve().then(() => {
        for (let index = 0; index < count; index++) fork(index);
      });
      const clear = (): void => clearTimeout(timer);
      ready = () => (clear(), resolve());
      failed = (error) => (clear(), reject(error));
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  failed = undefined;
  const base = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${base}${options.path ?? '/mcp'}`,
    port,
    pids: () =>
      workers.flatMap((worker) =>
        worker === undefined || !serving.has(worker) || worker.process.pid === undefined ? [] : [worker.process.pid],
      ),
    close: () => (closed ??= stopAll()),
  };
}
