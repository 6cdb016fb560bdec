import WebSocket, { type ClientOptions } from 'ws';
import { CheckError } from '../errors';
import type { ConnectionFactory } from '../factory';

export interface WebSocketFactoryOptions {
  url: string;
  protocols?: string | string[];
  options?: ClientOptions;
}

/** Pooled WebSockets (ws); the health check is a ping answered by a pong. */
export function websocketFactory(options: WebSocketFactoryOptions): ConnectionFactory<WebSocket> {
  return {
    kind: 'websocket',
    connect: (signal) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(options.url, options.protocols, options.options);
        const fail = (error: unknown) => {
          ws.terminate();
          reject(error);
        };
        signal.addEventListener('abort', () => fail(signal.reason), { once: true });
        ws.once('error', fail);
        ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
        ws.once('open', () => {
          ws.off('error', fail);
          resolve(ws);
        });
      }),
    close: (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(() => ws.terminate(), 1000).unref();
      }),
    watch: (ws, lost) => {
      ws.on('error', () => undefined);
      ws.once('close', (code) => lost(new Error(`websocket closed (${code})`)));
    },
    check: (ws, signal) =>
      new Promise<void>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) return reject(new CheckError('websocket is not open'));
        const onPong = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          ws.off('pong', onPong);
          reject(new CheckError('no pong'));
        };
        ws.once('pong', onPong);
        signal.addEventListener('abort', onAbort, { once: true });
        ws.ping();
      }),
  };
}
