import { Client, type Dispatcher } from 'undici';
import { CheckError } from '../errors';
import type { ConnectionFactory } from '../factory';

export interface HttpFactoryOptions {
  /** The origin, e.g. `http://127.0.0.1:8080`. */
  origin: string;
  /** The health check request (default: `HEAD /`); any status below 500 passes unless `expectStatus` says otherwise. */
  check?: { method?: Dispatcher.HttpMethod; path?: string; expectStatus?: (status: number) => boolean };
  /** Passed to undici's Client (timeouts, pipelining, ...). */
  client?: Omit<Client.Options, 'connect'>;
}

/**
 * Pooled HTTP/1.1 keep-alive connections. Each is an undici Client limited to
 * one socket; it is connected before it is handed out, and a disconnect makes
 * the pool replace it (never reconnected behind the pool's back).
 */
export function httpFactory(options: HttpFactoryOptions): ConnectionFactory<Client> {
  const check = options.check ?? {};
  return {
    kind: 'http',
    connect: (signal) =>
      new Promise((resolve, reject) => {
        const client = new Client(options.origin, { pipelining: 1, ...options.client });
        const fail = (error: unknown) => {
          client.destroy().catch(() => undefined);
          reject(error);
        };
        signal.addEventListener('abort', () => fail(signal.reason), { once: true });
        client.once('connectionError', (_origin, _targets, error) => fail(error));
        client.once('connect', () => resolve(client));
        // undici connects lazily: the check request opens the socket (and proves the server answers).
        // reset: false keeps the socket after a HEAD, which undici would otherwise close.
        client.request({ method: check.method ?? 'HEAD', path: check.path ?? '/', signal, reset: false }).then(
          (res) => res.body.dump().catch(() => undefined),
          (error) => fail(error),
        );
      }),
    close: (client) => client.close().catch(() => client.destroy()),
    watch: (client, lost) => {
      client.once('disconnect', (_origin, _targets, error) => lost(error ?? new Error('disconnected')));
    },
    check: async (client, signal) => {
      const res = await client.request({
        method: check.method ?? 'HEAD',
        path: check.path ?? '/',
        signal,
        reset: false,
      });
      await res.body.dump();
      const ok = check.expectStatus?.(res.statusCode) ?? res.statusCode < 500;
      if (!ok) throw new CheckError(`health check answered ${res.statusCode}`);
    },
  };
}
