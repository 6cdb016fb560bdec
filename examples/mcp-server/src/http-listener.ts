import { GenServer, ok, reply } from '@erlmcp/otp';
import { listenHttp, type ListenHttpOptions, type McpHttpServer, type SessionHost } from '@erlmcp/mcp/hosting';

export interface HttpListenerArgs {
  host: SessionHost;
  options: ListenHttpOptions;
}

export interface ListenerUrls {
  url: string;
  wsUrl: string | undefined;
}

/**
 * The transports as a worker of the tree: init opens the port (Streamable HTTP at /mcp,
 * WebSocket at /ws), terminate closes it. It traps exits, so shutdown by its supervisor
 * runs terminate and the port is released before the node stops; killed outright, it is
 * the port's owner, and the port closes with it.
 */
export const httpListener = GenServer.define({
  name: 'http_listener',
  // The port is owned by this process: killed outright (no terminate), it still closes, and the restart can listen again.
  init: async ({ host, options }: HttpListenerArgs, ctx) => ok(await listenHttp(host, { ...options, owner: ctx.self })),
  handleCall: (_request: 'urls', _from, server: McpHttpServer) =>
    reply<McpHttpServer, ListenerUrls>({ url: server.url, wsUrl: server.wsUrl }, server),
  terminate: async (_reason, server: McpHttpServer) => {
    await server.close();
  },
});
