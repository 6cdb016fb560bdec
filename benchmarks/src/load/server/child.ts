/**
 * The server under test, in a process of its own so the load generator does not share its
 * event loop: a node with one scheduler, one SessionHost (each session a process) and in
 * front of it Streamable HTTP with SSE replies (and WebSocket at /ws) on one port, Streamable
 * HTTP with JSON replies on another, and NDJSON over TCP on a third; all on 127.0.0.1.
 *
 * argv[2] is its options as JSON ({ maxSessions }). It reports { ready: ServerAddresses }
 * over IPC, answers { cmd: 'stats' } with its memory (after a full GC when asked) and session
 * count, { cmd: 'loop' } with its event-loop delay and GC pauses since the last ask,
 * { cmd: 'trace' } with its log of loop stalls, GC pauses and memory samples since it
 * started (stall-trace.ts), and exits on { cmd: 'stop' }.
 */
import { Node } from '@erlmcp/otp';
import { listenHttp, SessionHost } from '@erlmcp/mcp/hosting';
import { listenTcpHosted } from '@erlmcp/mcp/server';
import { LoopMonitor } from '../loop-monitor';
import { loadServerDefinition } from './definition';
import { memoryStats } from './memory-stats';
import { StallTrace } from '../stall-trace';
import type { ServerAddresses, ServerChildOptions } from './spawn';

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
  const loop = new LoopMonitor();
  const trace = new StallTrace();
  process.on('message', (message: { cmd: string; gc?: boolean }) => {
    if (message.cmd === 'loop') {
      process.send!({ loop: loop.take() });
    } else if (message.cmd === 'stats') {
      const gc = message.gc === true;
      process.send!({
        stats: trace.mark(gc ? 'memory sample, full GCs' : 'memory sample', () => memoryStats(host.sessionCount, gc)),
      });
    } else if (message.cmd === 'trace') {
      process.send!({ trace: trace.take() });
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
