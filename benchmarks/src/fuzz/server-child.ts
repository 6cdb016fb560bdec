/**
 * The fuzzed server, in a process of its own so that a crash is seen as its exit:
 * `node server-child.js` serves Streamable HTTP (/mcp) and WebSocket (/ws) and NDJSON over TCP,
 * every session a process under one SessionHost, and sends its addresses over IPC;
 * `node server-child.js stdio` serves one session on stdin/stdout.
 */
import { Node } from '@erlmcp/otp';
import { defineServer, listenTcpHosted, type McpServerDefinition, serveStdio } from '@erlmcp/mcp/server';
import { listenHttp, SessionHost } from '@erlmcp/mcp/hosting';

export interface FuzzAddresses {
  http: string;
  ws: string;
  tcpPort: number;
}

function definition(): McpServerDefinition {
  return defineServer({ name: 'fuzz', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }, ctx) => {
        ctx.progress(1, 1);
        return { content: [{ type: 'text', text }] };
      },
    })
    .resource({ uri: 'fuzz://about', name: 'about', read: (uri) => [{ uri, text: 'fuzz' }] })
    .prompt({ name: 'p', handler: () => [{ role: 'user', content: { type: 'text', text: 'p' } }] })
    .build();
}

/** Small limits, so that the fuzzer reaches them often. */
const LIMITS = { maxBodyBytes: 64 * 1024, maxLineBytes: 64 * 1024 };

async function main(): Promise<void> {
  const def = definition();
  if (process.argv[2] === 'stdio') {
    const server = serveStdio(def, { maxLineBytes: LIMITS.maxLineBytes });
    void server.closed.then(() => process.exit(0));
    return;
  }
  Node.start({ schedulers: 1, logLevel: 'error' });
  const host = await new SessionHost(def, { maxSessions: 10_000, idleTimeoutMs: 30_000 }).start();
  const http = await listenHttp(host, {
    maxBodyBytes: LIMITS.maxBodyBytes,
    websocket: { maxMessageBytes: LIMITS.maxLineBytes },
  });
  const tcp = await listenTcpHosted(host, { maxLineBytes: LIMITS.maxLineBytes });
  const addresses: FuzzAddresses = { http: http.url, ws: http.wsUrl!, tcpPort: tcp.address.port };
  process.send!(addresses);
  // The parent's end is ours: nothing is left running.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
