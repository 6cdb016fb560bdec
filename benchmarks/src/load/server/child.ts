/**
 * The server under test, in a process of its own so the load generator does not share its
 * event loop: a node with one scheduler, one SessionHost (each session a process) and in
 * front of it Streamable HTTP with SSE replies (and WebSocket at /ws) on one port, Streamable
 * HTTP with JSON replies on another, and NDJSON over TCP on a third; all on 127.0.0.1.
 *
 * argv[2] is its options as JSON ({ maxSessions }). It reports { ready: ServerAddresses }
 * over IPC, answers { cmd: 'stats' } with its RSS (after a full GC when asked) and session
 * count, and exits on { cmd: 'stop' }.
 */
import { Node } from '@erlmcp/otp';
import { listenHttp, SessionHost } from '@erlmcp/mcp/hosting';
import { listenTcpHosted } from '@erlmcp/mcp/server';
import { loadServerDefinition } from './definition';
import type { ServerAddresses, ServerChildOptions, ServerStats } from './spawn';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ServerChildOptions;
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  // Sessions never time out while measured: the scale rows hold them for minutes.
  const host = await new SessionHost(loadServerDefinition(), {
    maxSessions: options.maxSessions,
    idleTimeoutMs: Infinity,
  }).start();
  const sse = await listenHttp(host, { websocket: true, responseMode: 'sse' });
  const json = await listenHttp(host, { responseMode: 'json' });
  const tcp = await listenTcpHosted(host);
  // A server this busy answers a kept-alive connection's next request late, not never.
  for (const s of [sse.server, json.server]) s.keepAliveTimeout = 60_000;
  const addresses: ServerAddresses = {
    sseUrl: sse.url,
    jsonUrl: json.url,
    wsUrl: sse.wsUrl!,
    tcpPort: tcp.address.port,
  };
  process.on('message', (message: { cmd: string; gc?: boolean }) => {
    if (message.cmd === 'stats') {
      if (message.gc === true) for (let i = 0; i < 3; i++) global.gc?.();
      const memory = process.memoryUsage();
      const stats: ServerStats = {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        sessions: host.sessionCount,
      };
      process.send!({ stats });
    } else if (message.cmd === 'stop') {
      void (async () => {
        await Promise.all([sse.close(), json.close(), tcp.close()]);
        await host.stop();
        await node.stop();
      })().finally(() => process.exit(0));
    }
  });
  process.send!({ ready: addresses });
}

main().catch((error: unknown) => {
  console.error('load server:', error);
  process.exit(1);
});
