import path from 'node:path';
import { type ChildSpec, GenServer, ok, Supervisor, type RunningApplication, Application } from '@erlmcp/otp';
import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';
import { listenHttp, type McpHttpServer, SessionHost } from '@erlmcp/mcp/hosting';
import { type ShardCall, shardWorker } from './shard-worker';

/** The compiled module of the shard worker: worker schedulers load code by path, and only JS. */
export const SHARD_MODULE = path.join(__dirname, '..', '..', 'dist', 'chaos', 'shard-worker.js');

export interface ChaosServerOptions {
  /** Shard workers; a session's `work` calls go to the worker of its shard. */
  shards: number;
  /** Shards 0..controlShards-1 are never faulted: their sessions are the untouched ones. */
  controlShards: number;
  /** Place the faulted shards on scheduler 1 (the node needs two schedulers), so a thread crash takes them down. */
  remoteShards: boolean;
  /** The sessions' handler timeout: a stalled tool is answered with -32001 after it. */
  handlerTimeoutMs: number;
  /** The sessions' in-flight request limit. */
  maxInFlightRequests: number;
}

export interface ChaosServer {
  app: RunningApplication;
  host: SessionHost;
  /** The endpoint; the port stays the same across listener restarts. */
  url: string;
  /** Shards whose tool handler stalls (awaits until removed from the set). */
  stalled: Set<number>;
  stop(): Promise<void>;
}

export const LISTENER = 'chaos_http_listener';
export const TOOLS = 'chaos_tools';
export const shardName = (shard: number): string => `chaos_shard_${shard}`;

interface ListenerArgs {
  host: SessionHost;
  /** Shared by every incarnation: the first picks the port, restarts take it again. */
  port: { value: number };
}

/** Streamable HTTP as a worker of the tree; it owns its port, which closes when it exits, however it exits. */
const listener = GenServer.define({
  name: 'chaos_http_listener',
  init: async (args: ListenerArgs, ctx) => {
    const server = await listenHttp(args.host, { port: args.port.value, owner: ctx.self });
    args.port.value = server.address.port;
    return ok(server);
  },
  handleCall: (_request: 'url', _from, server: McpHttpServer) => ({
    kind: 'reply' as const,
    reply: server.url,
    state: server,
  }),
  terminate: async (_reason, server: McpHttpServer) => {
    await server.close();
  },
});

/** The `work` tool: the shard's worker echoes the text back; a stalled shard's handler waits. */
function definition(stalled: Set<number>): McpServerDefinition {
  return defineServer({ name: 'chaos', version: '0.1.0' })
    .tool<{ shard: number; text: string; delayMs: number }>({
      name: 'work',
      description: 'Echoes text through the worker of a shard, after delayMs',
      inputSchema: {
        type: 'object',
        properties: { shard: { type: 'integer' }, text: { type: 'string' }, delayMs: { type: 'integer' } },
        required: ['shard', 'text', 'delayMs'],
      },
      handler: async ({ shard, text, delayMs }, ctx) => {
        // Stalled: no answer until the fault ends or the handler timeout answers for it.
        while (stalled.has(shard) && !ctx.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 20));
        ctx.progress(0, 1);
        const call: ShardCall = { text, delayMs };
        const answer = (await GenServer.call(shardName(shard), call, 5000)) as { shard: number; text: string };
        return { content: [{ type: 'text', text: answer.text }], structuredContent: answer };
      },
    })
    .build();
}

/**
 * The chaos server as a supervision tree:
 *
 *   chaos (one_for_one)
 *   ├── tools     supervisor: one worker per shard (the faulted ones on scheduler 1 if asked)
 *   ├── sessions  DynamicSupervisor: one GenServer per MCP session
 *   └── http      worker: Streamable HTTP, owner of its port
 */
export async function startChaosServer(options: ChaosServerOptions): Promise<ChaosServer> {
  const stalled = new Set<number>();
  const host = new SessionHost(definition(stalled), {
    idleTimeoutMs: 60_000,
    session: { handlerTimeoutMs: options.handlerTimeoutMs, maxInFlightRequests: options.maxInFlightRequests },
  });
  const remote = GenServer.remote<typeof shardWorker>(SHARD_MODULE, 'shardWorker');
  const shards: ChildSpec[] = Array.from({ length: options.shards }, (_, shard) =>
    options.remoteShards && shard >= options.controlShards
      ? GenServer.childSpec(`shard_${shard}`, remote, shard, { name: shardName(shard), scheduler: 1 })
      : GenServer.childSpec(`shard_${shard}`, shardWorker, shard, { name: shardName(shard) }),
  );
  const args: ListenerArgs = { host, port: { value: 0 } };
  // Chaos kills on purpose, many times a second: the budgets are set for that, not for a real server.
  const app = await Application.start({
    name: 'chaos',
    supervisor: () =>
      Supervisor.start({
        strategy: 'one_for_one',
        intensity: 1000,
        period: 5,
        children: [
          Supervisor.childSpec(
            'tools',
            { strategy: 'one_for_one', intensity: 10_000, period: 5, children: shards },
            { name: TOOLS },
          ),
          host.childSpec('sessions'),
          GenServer.childSpec('http', listener, args, { name: LISTENER, trapExit: true }),
        ],
      }),
  });
  const url = (await GenServer.call(LISTENER, 'url')) as string;
  return { app, host, url, stalled, stop: () => app.stop() };
}
