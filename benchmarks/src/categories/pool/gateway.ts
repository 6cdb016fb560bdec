import { connectHttp, connectWebSocket } from '@erlmcp/mcp/client';
import { startGateway } from '@erlmcp/example-mcp-gateway';
import type { McpConnection } from '@erlmcp/transport-pool';
import { Pool as UndiciPool } from 'undici';
import { onNode } from '../../harness/node';
import type { Measurement } from '../../harness/types';
import { isEchoAnswer, openSession, startServer, type RunningServer } from '../mcp/load';
import { timedRequests, USERS } from './ours';

const clientInfo = { name: 'bench', version: '1.0.0' };
/** Pooled sessions from the gateway to the upstream. */
const SESSIONS = 10;

/**
 * How the gateway (and the peer's fresh connections) reach the upstream:
 * WebSocket, or Streamable HTTP with @erlmcp/mcp's connectHttp (which posts
 * with fetch; see the README for what that costs per call).
 */
export type UpstreamKind = 'websocket' | 'http';

function connector(kind: UpstreamKind, upstream: RunningServer): () => Promise<McpConnection> {
  if (kind === 'http') return () => connectHttp({ url: upstream.url, clientInfo, openGetStream: false });
  const url = upstream.url.replace(/^http:/, 'ws:').replace(/\/mcp$/, '/ws');
  return () => connectWebSocket({ url, clientInfo });
}

function checkEcho(result: { content?: unknown[] }): void {
  const text = (result.content as { text?: string }[] | undefined)?.[0]?.text;
  if (text !== 'hello') throw new Error(`unexpected answer ${JSON.stringify(result)}`);
}

/**
 * tools/call from USERS concurrent callers to the gateway (Streamable HTTP, a
 * session each, posted with undici so that the callers cost little beside the
 * gateway in this process), forwarded over SESSIONS pooled MCP sessions to an
 * upstream MCP server in a process of its own.
 */
export async function throughGateway(size: number, kind: UpstreamKind): Promise<Measurement> {
  const upstream = await startServer('ours');
  try {
    return await onNode(1, async () => {
      const gateway = await startGateway({
        upstreams: [{ name: 'up', connect: connector(kind, upstream) }],
        pool: { min: SESSIONS, max: SESSIONS },
      });
      const endpoint = new URL(gateway.url);
      const callers = new UndiciPool(endpoint.origin, { connections: USERS, pipelining: 1 });
      try {
        const sessions: string[] = [];
        for (let i = 0; i < USERS; i++) sessions.push(await openSession(gateway.url));
        let next = 0;
        let id = 0;
        return await timedRequests(size, async () => {
          const res = await callers.request({
            method: 'POST',
            path: endpoint.pathname,
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': sessions[next++ % USERS]!,
              'mcp-protocol-version': '2025-06-18',
            },
            // Ids unique across callers: two calls may be in flight on one session.
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: ++id,
              method: 'tools/call',
              params: { name: 'up_echo', arguments: { text: 'hello' } },
            }),
          });
          const body = await res.body.text();
          if (res.statusCode !== 200 || !isEchoAnswer(body))
            throw new Error(`unexpected answer ${res.statusCode} ${body}`);
        });
      } finally {
        await callers.close();
        await gateway.stop();
      }
    });
  } finally {
    await upstream.stop();
  }
}

/** The same calls, each on a fresh MCP client connection to the upstream (connect, initialize, call, close). */
export async function freshConnection(size: number, kind: UpstreamKind): Promise<Measurement> {
  const upstream = await startServer('ours');
  const connect = connector(kind, upstream);
  try {
    return await onNode(1, () =>
      timedRequests(size, async () => {
        const conn = await connect();
        try {
          checkEcho(await conn.client.callTool({ name: 'echo', arguments: { text: 'hello' } }));
        } finally {
          await conn.close();
        }
      }),
    );
  } finally {
    await upstream.stop();
  }
}
