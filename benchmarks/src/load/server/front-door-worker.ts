/**
 * A worker of the front-door server under test (front-door-child.ts forks it through
 * `startFrontDoor`): the same node, SessionHost and definition as child.ts, with Streamable
 * HTTP (SSE) and WebSocket at /ws on the front door's shared port. A WebSocket connection is
 * a whole session, so the worker that takes the upgrade owns it. It answers the primary's
 * { cmd: 'stats' } with its own memory and session count.
 */
import { Node } from '@erlmcp/otp';
import { listenHttp, SessionHost } from '@erlmcp/mcp/hosting';
import { loadServerDefinition } from './definition';
import { memoryStats } from './memory-stats';

async function main(): Promise<void> {
  const maxSessions = Number(process.env.LOAD_MAX_SESSIONS ?? 100_000);
  Node.start({ schedulers: 1, logLevel: 'silent' });
  const host = await new SessionHost(loadServerDefinition(), { maxSessions, idleTimeoutMs: Infinity }).start();
  process.on('message', (message: { cmd?: string; gc?: boolean }) => {
    if (message.cmd !== 'stats') return;
    process.send!({ stats: memoryStats(host.sessionCount, message.gc === true) });
  });
  // Joins the front door: stops (closing the server, then this host) when the primary says so.
  const http = await listenHttp(host, { websocket: true, responseMode: 'sse' });
  http.server.keepAliveTimeout = 60_000;
}

main().catch((error: unknown) => {
  console.error('front-door worker:', error);
  process.exit(1);
});
