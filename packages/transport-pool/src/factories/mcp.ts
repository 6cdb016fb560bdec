import type { ClientSession } from '@erlmcp/mcp/client';
import type { ConnectionFactory } from '../factory';

/** What @erlmcp/mcp's connectors return (connectTcp, connectHttp, connectWebSocket, spawnStdioClient). */
export interface McpConnection {
  client: ClientSession;
  close(): void | Promise<void>;
}

/**
 * Pooled MCP client sessions to one upstream server, over whichever transport
 * `connect` uses; each is initialized before it is handed out. The health check
 * is MCP's ping; a session whose transport closes is replaced.
 */
export function mcpFactory<C extends McpConnection>(
  connect: (signal: AbortSignal) => Promise<C>,
): ConnectionFactory<C> {
  return {
    kind: 'mcp',
    connect,
    close: (conn) => conn.close(),
    watch: (conn, lost) => {
      if (conn.client.state === 'closed') return lost(new Error('MCP session closed'));
      conn.client.on('close', () => lost(new Error('MCP session closed')));
    },
    check: (conn, signal) => conn.client.ping({ signal }),
    isTransportError: (error) => {
      const name = (error as { name?: unknown } | null)?.name;
      return name === 'ConnectionClosedError' || name === 'TransportError';
    },
  };
}
