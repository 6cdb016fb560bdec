import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import { NatsServer } from '@erlmcp/distribution';

export interface ClusterOptions {
  /** Nodes to start (default 3), named n1..nN. */
  nodes?: number;
  /** The first node's port; the others follow. Default 0: free ports. */
  basePort?: number;
  /** A nats-server to use (with JetStream); default: start one (nats-server on PATH). */
  natsUrl?: string;
  /** How long the nodes may take to start and see each other (ms). Default 60000. */
  readyTimeoutMs?: number;
}

export interface RunningCluster {
  natsUrl: string;
  /** Each node's MCP endpoint, http://127.0.0.1:<port>/mcp. */
  urls: string[];
  /** Each node's OS process id. */
  pids: number[];
  stop(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  port: number;
}

// dist/node.js from src/ (jest) and from dist/ alike: nodes always run compiled code.
const NODE_SCRIPT = path.join(__dirname, '..', 'dist', 'node.js');

function startNode(env: Record<string, string>, timeoutMs: number): Promise<Started> {
  const child = spawn(process.execPath, [NODE_SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${env.NODE_NAME} not ready in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready \S+ (\d+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${env.NODE_NAME} exited (${code}) before ready: ${err}`));
    });
  });
}

/** What a node's GET /stats says. */
export interface NodeStats {
  node: string;
  nodes: string[];
  forwardedOut: number;
  forwardedIn: number;
  ownerGone: number;
  inFlight: number;
}

export function nodeStats(url: string): Promise<NodeStats> {
  const target = new URL('/stats', url);
  return new Promise((resolve, reject) => {
    const req = request(target, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as NodeStats);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A nats-server (unless `natsUrl` is given) and N node processes on this machine, one HTTP
 * port each; resolves once every node sees every other, so a session made on one can be
 * used through any.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const count = options.nodes ?? 3;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let nats: NatsServer | undefined;
  const natsUrl = options.natsUrl ?? (nats = await NatsServer.start()).url;
  const key = randomBytes(32).toString('base64');
  const cluster = `example${randomBytes(4).toString('hex')}`;
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startNode(
        {
          NATS_URL: natsUrl,
          NODE_NAME: `n${i + 1}`,
          PORT: String(options.basePort === undefined || options.basePort === 0 ? 0 : options.basePort + i),
          CLUSTER: cluster,
          CLUSTER_KEY: key,
        },
        timeoutMs,
      ),
    ),
  );
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => stopChild(s.child)));
    await nats?.stop();
  };
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason as Error;
  }
  const urls = started.map((s) => `http://127.0.0.1:${s.port}/mcp`);
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    while ((await nodeStats(url)).nodes.length < count - 1) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the nodes did not all see each other within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { natsUrl, urls, pids: started.map((s) => s.child.pid ?? 0), stop };
}
