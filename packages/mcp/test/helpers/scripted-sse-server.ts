import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a scripted server is asked: a tools/call POST, or a GET (with its Last-Event-ID). */
export type ScriptedRequest =
  | { kind: 'call'; id: number | string; res: ServerResponse }
  | { kind: 'get'; lastEventId: string | undefined; res: ServerResponse };

export interface ScriptedServer {
  url: string;
  /** Every GET the client made, in order, by its Last-Event-ID (undefined: none). */
  readonly gets: (string | undefined)[];
  close(): Promise<void>;
}

/** One SSE event as text; `data` is JSON-encoded unless it is a string already. */
export function event(id: string | undefined, data: unknown, retry?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}${retry === undefined ? '' : `retry: ${retry}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export const SSE_HEAD = { 'content-type': 'text/event-stream', 'mcp-session-id': 'scripted' };

/**
 * A minimal Streamable HTTP server whose tools/call streams a test writes by hand: it answers
 * the handshake itself, and hands each tools/call POST and each GET with a Last-Event-ID to
 * `script`. A GET without one (the standalone stream) gets 405.
 */
export async function scriptedServer(script: (request: ScriptedRequest) => void): Promise<ScriptedServer> {
  const gets: (string | undefined)[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      const lastEventId = req.headers['last-event-id'] as string | undefined;
      if (lastEventId === undefined) return void res.writeHead(405).end();
      gets.push(lastEventId);
      return script({ kind: 'get', lastEventId, res });
    }
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const message = JSON.parse(text) as {
        id?: number | string;
        method?: string;
        params?: { protocolVersion?: string };
      };
      if (message.method === 'initialize') {
        const result = {
          protocolVersion: message.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'scripted', version: '1' },
        };
        return void res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'scripted' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      if (message.method === 'tools/call') return script({ kind: 'call', id: message.id, res });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    gets,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A tools/call answer with one text block. */
export function textResult(id: number | string, text: string): unknown {
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } };
}

/** A notifications/message with `data`. */
export function logMessage(data: string): unknown {
  return { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data } };
}
