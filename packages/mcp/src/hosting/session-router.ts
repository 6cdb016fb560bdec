import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What `listenHttp` asks of something that places sessions on other machines
 * (`@erlmcp/distribution/mcp` is one): the prefix of the session ids this server issues,
 * which names it as their owner, and a look at each request before this server reads it.
 */
export interface SessionRouter {
  /** Prefix of the session ids this server issues (visible ASCII, as session ids are). */
  readonly sessionIdPrefix: string;
  /** Takes a request that belongs elsewhere (a session another server owns): true when it took it. */
  route(req: IncomingMessage, res: ServerResponse): boolean;
}
