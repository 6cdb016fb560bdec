import { connectHttp, type HttpClient } from '@erlmcp/mcp/client';
import { startGateway } from '@erlmcp/example-mcp-gateway';
import { onNode } from '../../harness/node';
import type { Measurement } from '../../harness/types';
import { startServer } from '../mcp/load';
import { timedRequests } from './ours';

const clientInfo = { name: 'bench', version: '1.0.0' };
/** Pooled sessions from the gateway to the upstream. */
const SESSIONS = 10;

function checkEcho(result: { content?: unknown[] }): void {
  const text = (result.content as { text?: string }[] | undefined)?.[0]?.text;
  if (text !== 'hello') throw new Error(`unexpected answer ${JSON.stringify(result)}`);
}

/**
 * tools/call from 100 concurrent callers to the gateway (Streamable HTTP, one
 * session per caller), forwarded over SESSIONS pooled MCP sessions to an
 * upstream MCP server (Streamable HTTP, in a process of its own).
 */
export async function throughGateway(size: number): Promise<Measurement> {
  const upstream = await startServer('ours');
  try {
    return await onNode(1, async () => {
      const gateway = await startGateway({
        upstreams: [{ name: 'up', connect: () => connectHttp({ url: upstream.url, clientInfo, openGetStream: false }) }],
        pool: { min: SESSIONS, max: SESSIONS },
      });
      const callers: HttpClient[] = [];
      try {
        for (let i = 0; i < 100; i++) callers.push(await connectHttp({ url: gateway.url, clientInfo, openGetStream: false }));
        let next = 0;
        return await timedRequests(size, async () => {
          const caller = callers[next++ % callers.length]!;
          checkEcho(await caller.client.callTool({ name: 'up_echo', arguments: { text: 'hello' } }));
        });
      } finally {
        for (const c of callers) await c.close();
        await gateway.stop();
      }
    });
  } finally {
    await upstream.stop();
  }
}

/** The same calls, each on a fresh MCP client connection to the upstream (initialize, call, close). */
export async function freshConnection(size: number): Promise<Measurement> {
  const upstream = await startServer('ours');
  try {
    return await onNode(1, () =>
      timedRequests(size, async () => {
        const conn = await connectHttp({ url: upstream.url, clientInfo, openGetStream: false });
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
