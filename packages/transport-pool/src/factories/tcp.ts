import net from 'node:net';
import { CheckError } from '../errors';
import type { ConnectionFactory } from '../factory';

export interface TcpFactoryOptions {
  host: string;
  port: number;
  /** Nagle off by default: pooled connections carry requests, not bulk data. */
  noDelay?: boolean;
  /**
   * The health check. Without it a socket is healthy while it is open and
   * writable; with it, `send` is written and the first data must satisfy `expect`.
   */
  probe?: { send: Buffer | string; expect: (data: Buffer) => boolean };
}

/** Pooled TCP sockets (node:net). */
export function tcpFactory(options: TcpFactoryOptions): ConnectionFactory<net.Socket> {
  return {
    kind: 'tcp',
    connect: (signal) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({
          host: options.host,
          port: options.port,
          noDelay: options.noDelay ?? true,
          signal,
        });
        const fail = (error: Error) => {
          socket.destroy();
          reject(error);
        };
        socket.once('error', fail);
        socket.once('connect', () => {
          socket.off('error', fail);
          resolve(socket);
        });
      }),
    close: (socket) =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        socket.end();
        // A peer that never finishes the close does not hold us: destroy after a grace period.
        setTimeout(() => socket.destroy(), 1000).unref();
      }),
    watch: (socket, lost) => {
      socket.once('close', () => lost(new Error('socket closed')));
      // An error is followed by close; listening keeps it from being an uncaught 'error' event.
      socket.on('error', () => undefined);
      socket.once('end', () => lost(new Error('peer ended the connection')));
    },
    check: (socket, signal) => {
      if (socket.destroyed || !socket.writable) return Promise.reject(new CheckError('socket is not writable'));
      const probe = options.probe;
      if (probe === undefined) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onData = (data: Buffer) => {
          cleanup();
          if (probe.expect(data)) resolve();
          else reject(new CheckError('unexpected probe answer'));
        };
        const onAbort = () => {
          cleanup();
          reject(new CheckError('probe timed out'));
        };
        const cleanup = () => {
          socket.off('data', onData);
          signal.removeEventListener('abort', onAbort);
        };
        socket.on('data', onData);
        signal.addEventListener('abort', onAbort, { once: true });
        socket.write(probe.send);
      });
    },
  };
}
