import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { writeJsonRpcError } from '../transport/http/responses';
import { endToEndHeaders } from './end-to-end-headers';

/**
 * @internal
 * Passes a request for a session another worker owns to that worker's private port on
 * 127.0.0.1, and its answer back, streamed (an SSE stream flows event by event). The owner
 * does every check itself (Host, Origin, headers, body limits): the forwarding worker reads
 * nothing of the body. A client that goes away ends the upstream request, which ends the
 * stream at the owner as if the client had closed it there.
 */
export function forwardToOwner(req: IncomingMessage, res: ServerResponse, port: number, agent: Agent): void {
  const upstream = request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: endToEndHeaders(req.headers), agent },
    (answer) => {
      if (res.destroyed) return answer.destroy();
      res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      // An SSE stream's events must not wait for a buffer to fill: flush the head now.
      res.flushHeaders();
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    },
  );
  upstream.once('error', () => {
    // The owner is gone (it exited, and its sessions with it): the session is, to the client.
    if (!res.headersSent) writeJsonRpcError(res, 404, -32001, 'Session not found');
    else res.destroy();
  });
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** @internal The keep-alive agent a worker forwards through: one pool of sockets per owner. */
export function forwardingAgent(): Agent {
  return new Agent({ keepAlive: true, maxFreeSockets: 64 });
}
