import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';
import { listenHttp, type McpHttpServer } from '@erlmcp/mcp/hosting';
import { GenServer, Supervisor, type Pid } from '@erlmcp/otp';
import { mcpFactory, Pool, type McpConnection } from '@erlmcp/transport-pool';
import { loadCatalog } from './catalog';
import type { Upstream } from './upstreams';

export interface GatewayOptions {
  upstreams: Upstream[];
  /** HTTP port of the gateway's endpoint (0: a free one). */
  port?: number;
  /** Pooled sessions per upstream. Default min 1, max 4. */
  pool?: { min?: number; max?: number };
  /** Backoff between reconnects to an upstream that died. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** How long a call waits for a session of an upstream that is down. Default 5000. */
  acquireTimeoutMs?: number;
}

export interface Gateway {
  definition: McpServerDefinition;
  http: McpHttpServer;
  url: string;
  /** The pool of each upstream, by name (looked up by name, so a restarted pool is found). */
  pool(upstream: string): Pool<McpConnection>;
  /** What each upstream offered when its catalog was loaded (undefined while it has never been up). */
  loaded: Map<string, { tools: number; resources: number; prompts: number }>;
  stop(): Promise<void>;
}

const poolName = (upstream: string) => `mcp_gateway_pool_${upstream}`;

/*
 * gateway supervisor (one_for_one)
 *  ├─ pool "example"     GenServer ─ DynamicSupervisor ─ one process per MCP session to that upstream
 *  └─ pool "everything"  GenServer ─ DynamicSupervisor ─ ...
 * and, beside the tree, the HTTP endpoint whose sessions call into the pools.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const definition = defineServer(
    { name: 'erlmcp-gateway', title: 'erlmcp MCP gateway', version: '0.1.0' },
    {
      instructions: `Serves ${options.upstreams.map((u) => u.name).join(', ')} under one endpoint; names are prefixed by upstream (upstream_name).`,
    },
  ).build();
  const pool = (upstream: string): Pool<McpConnection> => {
    const found = Pool.whereis<McpConnection>(poolName(upstream));
    if (found === undefined) throw new Error(`the pool of upstream "${upstream}" is restarting`);
    return found;
  };
  const children = options.upstreams.map((u) =>
    Pool.childSpec(
      `pool_${u.name}`,
      {
        factory: mcpFactory(u.connect),
        name: u.name,
        min: options.pool?.min ?? 1,
        max: options.pool?.max ?? 4,
        acquireTimeoutMs: options.acquireTimeoutMs ?? 5000,
        connectTimeoutMs: 15_000,
        backoff: { initialMs: options.backoff?.initialMs ?? 200, maxMs: options.backoff?.maxMs ?? 10_000 },
      },
      poolName(u.name),
    ),
  );
  const sup: Pid = await Supervisor.start({ strategy: 'one_for_one', intensity: 5, period: 10, children });
  const loaded = new Map<string, { tools: number; resources: number; prompts: number }>();
  // Load each catalog once its upstream is up; an upstream that is down now is loaded when it connects.
  const load = async (upstream: string): Promise<void> => {
    if (loaded.has(upstream)) return;
    try {
      loaded.set(upstream, await loadCatalog(definition, upstream, () => pool(upstream)));
    } catch (error) {
      process.stderr.write(`gateway: could not load the catalog of ${upstream}: ${(error as Error).message}\n`);
    }
  };
  await Promise.all(
    options.upstreams.map(async (u) => {
      pool(u.name).events.on('pool:connected', () => void load(u.name));
      if (pool(u.name).stats().idle > 0) await load(u.name);
    }),
  );
  const http = await listenHttp(definition, { port: options.port ?? 0 });
  return {
    definition,
    http,
    url: http.url,
    pool,
    loaded,
    stop: async () => {
      await http.close();
      await GenServer.stop(sup, 'shutdown');
    },
  };
}
