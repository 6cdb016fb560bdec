import path from 'node:path';
import { spawnStdioClient } from '@erlmcp/mcp/client';
import type { McpConnection } from '@erlmcp/transport-pool';

/** One upstream MCP server: a name (the prefix of everything it offers) and how to open a session to it. */
export interface Upstream {
  name: string;
  connect: (signal: AbortSignal) => Promise<McpConnection>;
}

const clientInfo = { name: 'erlmcp-gateway', version: '0.1.0' };

/** An upstream started as a child process and spoken to over stdio (one process per pooled session). */
export function stdioUpstream(name: string, command: string, args: string[]): Upstream {
  return {
    name,
    connect: async () => spawnStdioClient({ command, args, stderr: 'ignore', clientInfo }),
  };
}

/**
 * The default configuration: the project's own example server (examples/mcp-server, its
 * stdio mode) and the official reference server, @modelcontextprotocol/server-everything,
 * over stdio. Both run locally; nothing is downloaded.
 */
export function defaultUpstreams(): Upstream[] {
  const example = path.join(
    path.dirname(require.resolve('@erlmcp/example-mcp-server/package.json')),
    'dist',
    'stdio.js',
  );
  const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
  return [
    stdioUpstream('example', process.execPath, [example]),
    stdioUpstream('everything', process.execPath, [everything, 'stdio']),
  ];
}
