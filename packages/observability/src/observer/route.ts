/**
 * The observer's HTTP side: the page (`/observer`), its script and the bundled uPlot
 * (served from the installed package: nothing is fetched from elsewhere), a Server-Sent
 * Events stream of snapshots (`/observer/events`), and `POST /observer/kill` when the
 * observer allows it.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { sendText } from '../http/send-text';
import { KillNotAllowedError, NoSuchProcessError, type Observer } from './observer';

/** The page's files stay in src/ (shipped); from src/observer and dist/observer alike. */
const ASSETS = path.join(__dirname, '..', '..', 'src', 'observer', 'assets');

interface Asset {
  type: string;
  file: string;
}

const FILES: Record<string, Asset> = {
  '': { type: 'text/html; charset=utf-8', file: path.join(ASSETS, 'observer.html') },
  '/': { type: 'text/html; charset=utf-8', file: path.join(ASSETS, 'observer.html') },
  '/observer.js': { type: 'text/javascript; charset=utf-8', file: path.join(ASSETS, 'observer.js') },
  '/observer.css': { type: 'text/css; charset=utf-8', file: path.join(ASSETS, 'observer.css') },
  '/uplot.js': { type: 'text/javascript; charset=utf-8', file: require.resolve('uplot/dist/uPlot.iife.min.js') },
  '/uplot.css': { type: 'text/css; charset=utf-8', file: require.resolve('uplot/dist/uPlot.min.css') },
};

/** How often the stream sends a snapshot, ms. */
export const SNAPSHOT_INTERVAL_MS = 1000;
const MAX_KILL_BODY = 1024;

export function observerRoute(
  observer: Observer,
  base: string,
): (req: IncomingMessage, res: ServerResponse, rest: string) => void {
  const cache = new Map<string, Buffer>();
  const asset = (file: string): Buffer => {
    let body = cache.get(file);
    if (body === undefined) cache.set(file, (body = readFileSync(file)));
    return body;
  };
  return (req, res, rest) => {
    if (rest === '/kill') return kill(observer, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    req.resume();
    if (rest === '/events') return stream(observer, res);
    if (rest === '/snapshot') {
      observer.snapshot().then(
        (snapshot) =>
          res
            .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
            .end(JSON.stringify(snapshot)),
        (error: unknown) => sendText(res, 500, String(error)),
      );
      return;
    }
    if (rest === '') {
      // Relative asset URLs need the trailing slash.
      res.writeHead(302, { Location: `${base}/` }).end();
      return;
    }
    const found = FILES[rest];
    if (found === undefined) return sendText(res, 404, 'Not Found');
    res.writeHead(200, {
      'Content-Type': found.type,
      'Cache-Control': 'no-cache',
      // The page runs only its own scripts and talks only to this server.
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : asset(found.file));
  };
}

function stream(observer: Observer, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  let busy = false;
  let closed = false;
  const send = (): void => {
    if (busy || closed) return; // a slow snapshot skips a tick rather than piling up
    busy = true;
    observer.snapshot().then(
      (snapshot) => {
        busy = false;
        if (!closed) res.write(`data: ${JSON.stringify(snapshot)}\n\n`);
      },
      (error: unknown) => {
        busy = false;
        if (!closed) res.write(`event: failure\ndata: ${JSON.stringify(String(error))}\n\n`);
      },
    );
  };
  const timer = setInterval(send, SNAPSHOT_INTERVAL_MS);
  timer.unref();
  send();
  const stop = (): void => {
    closed = true;
    clearInterval(timer);
  };
  // Not req's 'close': it fires once the (empty) request body is read, not when the client goes.
  res.on('close', stop);
}

function kill(observer: Observer, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') {
    req.resume();
    return sendText(res, 405, 'Method Not Allowed', { Allow: 'POST' });
  }
  if (!observer.canKill) {
    req.resume();
    return sendText(res, 403, new KillNotAllowedError().message);
  }
  // A form on another site cannot send JSON without a CORS preflight, which this server never grants.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    req.resume();
    return sendText(res, 415, 'Unsupported Media Type: send application/json');
  }
  let body = '';
  let tooLarge = false;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
    if (body.length > MAX_KILL_BODY) tooLarge = true;
  });
  req.on('end', () => {
    if (tooLarge) return sendText(res, 413, 'Payload Too Large');
    let pid: unknown;
    try {
      pid = (JSON.parse(body) as { pid?: unknown }).pid;
    } catch {
      return sendText(res, 400, 'Bad Request: the body must be JSON {"pid": "<0.64.0>"}');
    }
    if (typeof pid !== 'string') return sendText(res, 400, 'Bad Request: the body must be JSON {"pid": "<0.64.0>"}');
    observer.kill(pid).then(
      () => sendText(res, 200, `killed ${pid}`),
      (error: unknown) =>
        sendText(
          res,
          error instanceof NoSuchProcessError ? 404 : error instanceof KillNotAllowedError ? 403 : 500,
          error instanceof Error ? error.message : String(error),
        ),
    );
  });
}
