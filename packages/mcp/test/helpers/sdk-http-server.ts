import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type StreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export interface SdkHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface SdkHttpServerOptions {
  /** Registers the tools and resources of each session's McpServer. */
  setup(mcp: McpServer): void;
  /** Options of the McpServer (capabilities...). */
  serverOptions?: ConstructorParameters<typeof McpServer>[1];
  /** Transport options beyond the session id generator (eventStore, retryInterval...). */
  transport?: Omit<StreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized'>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text === '' ? undefined : JSON.parse(text)));
  });
}

/** The SDK's stateful Streamable HTTP pattern on 127.0.0.1: one McpServer and transport per session. */
export async function sdkHttpServer(options: SdkHttpServerOptions): Promise<SdkHttpServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const id = req.headers['mcp-session-id'];
      const existing = typeof id === 'string' ? transports.get(id) : undefined;
      if (existing !== undefined) return existing.handleRequest(req, res, body);
      if (req.method !== 'POST' || !isInitializeRequest(body)) return void res.writeHead(400).end();
      const transport = new StreamableHTTPServerTransport({
        ...options.transport,
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
      });
      const mcp = new McpServer({ name: 'sdk-http', version: '9.9.9' }, options.serverOptions);
      options.setup(mcp);
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      for (const transport of transports.values()) await transport.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
