import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { endToEndHeaders } from '@erlmcp/mcp/hosting';
import { MAX_REPLAY_BYTES } from './incoming';

/**
 * A request the relay sends to its own server after the owner was lost carries this header
 * with the forwarder's token, so that its router leaves it to the server (it is not routed
 * again). A client that sends it without the token is routed as usual.
 */
export const ANSWER_HERE = 'x-erlmcp-answer-here';

export function answerHereToken(): string {
  return randomBytes(16).toString('base64url');
}

/** 404 with JSON-RPC -32001: the session is gone, the client starts a new one (as the spec says). */
export function sessionGone(res: ServerResponse): void {
  if (res.headersSent || res.writableEnded) return void res.destroy();
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** The rest of a request's body after `read`, then `then` with all of it; past MAX_REPLAY_BYTES the client is dropped. */
export function readRest(
  req: IncomingMessage,
  res: ServerResponse,
  read: Buffer[],
  then: (body: Buffer[]) => void,
): void {
  if (req.complete) return then(read);
  let bytes = read.reduce((sum, chunk) => sum + chunk.length, 0);
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_REPLAY_BYTES) return void res.destroy();
    read.push(chunk);
  });
  req.once('end', () => {
    if (!res.destroyed) then(read);
  });
}

/**
 * Sends a request whose body is read to this node's own server on 127.0.0.1 and its answer to
 * the client: a task or handle whose owner was lost is unknown here, so the server answers the
 * spec's error for it, with the request's id, as any node answers an unknown id.
 */
export function answerHere(
  port: number,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer[],
): void {
  if (port === 0 || res.destroyed) return void res.destroy();
  const headers = { ...endToEndHeaders(req.headers), [ANSWER_HERE]: token };
  delete headers['content-length'];
  const upstream = request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      answer.pipe(res);
    },
  );
  upstream.once('error', () => res.destroy());
  res.once('close', () => upstream.destroy());
  upstream.end(Buffer.concat(body));
}
