/**
 * One MCP server under load, in a process of its own so the load generator does not share
 * its event loop: `node server-child.js ours|peer`. It reports { port } over IPC, answers
 * { cmd: 'rss' } with its resident set size after a full GC, { cmd: 'bytes' } with the bytes
 * its sockets have read and written so far, and exits on { cmd: 'stop' }. In the mixed mode
 * (MIXED_ENV in its environment) it loads and exercises the mixed application first, for
 * either side, and our server runs on the application's node.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { inMixedMode } from '../../harness/child';
import { loadMixedApplication, mixedNode } from '../../harness/mixed/app';

/** Bytes on the wire, counted on every socket the server accepted (closed ones included). */
const wire = { read: 0, written: 0, open: new Set<Socket>() };

function countBytes(server: Server): void {
  server.on('connection', (socket: Socket) => {
    wire.open.add(socket);
    socket.once('close', () => {
      wire.open.delete(socket);
      wire.read += socket.bytesRead;
      wire.written += socket.bytesWritten;
    });
  });
}

function wireBytes(): { read: number; written: number } {
  let read = wire.read;
  let written = wire.written;
  for (const socket of wire.open) {
    read += socket.bytesRead;
    written += socket.bytesWritten;
  }
  return { read, written };
}

async function ours(): Promise<number> {
  const { Node } = require('@erlmcp/otp') as typeof import('@erlmcp/otp');
  const { defineServer } = require('@erlmcp/mcp/server') as typeof import('@erlmcp/mcp/server');
  const { listenHttp } = require('@erlmcp/mcp/hosting') as typeof import('@erlmcp/mcp/hosting');
  if (mixedNode() === undefined) Node.start({ schedulers: 1, logLevel: 'silent' });
  const definition = defineServer({ name: 'bench', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .build();
  const server = await listenHttp(definition, { websocket: true, hostOptions: { maxSessions: 1_000_000 } });
  countBytes(server.server);
  return server.address.port;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** The SDK's own stateful pattern: one McpServer and one transport per session, SSE replies. */
async function peer(): Promise<number> {
  // Loaded here, not at the top: neither side pays for the other's modules.
  const { McpServer } =
    require('@modelcontextprotocol/sdk/server/mcp.js') as typeof import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } =
    require('@modelcontextprotocol/sdk/server/streamableHttp.js') as typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { isInitializeRequest } =
    require('@modelcontextprotocol/sdk/types.js') as typeof import('@modelcontextprotocol/sdk/types.js');
  const { z } = require('zod') as typeof import('zod');
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const id = req.headers['mcp-session-id'];
      const existing = typeof id === 'string' ? transports.get(id) : undefined;
      if (existing !== undefined) return existing.handleRequest(req, res, body);
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(400).end();
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
      };
      const mcp = new McpServer({ name: 'bench', version: '1.0.0' });
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: 'text', text }],
      }));
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  countBytes(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const side = process.argv[2];
  if (inMixedMode()) await loadMixedApplication();
  const port = side === 'ours' ? await ours() : await peer();
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'rss') {
      for (let i = 0; i < 3; i++) global.gc?.();
      process.send!({ rss: process.memoryUsage().rss });
    } else if (message.cmd === 'bytes') {
      process.send!({ bytes: wireBytes() });
    } else if (message.cmd === 'stop') process.exit(0);
  });
  process.send!({ port });
}

void main();
