import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import path from 'node:path';
import { post, type PostAnswer } from '../../harness/http-post';
import type { Measurement } from '../../harness/types';
import { NatsServer } from '@erlmcp/distribution';
import { driveForwarded } from './drive';
import { endNode } from './end-node';

/**
 * mcp_three_nodes: MCP tools/call through N node processes (each its own port, joined over
 * one nats-server) from a round-robin balancer (this process picks the next port for every
 * request). Half the calls are 2025-11-25 calls in sessions (a session lives on the node its
 * initialize reached, so 2 of 3 calls through three nodes are forwarded to the owner), half
 * 2026-07-28 stateless calls (answered where they land). `ours` runs three nodes, the peer
 * one node of the same kind (a cluster of one: nothing to forward).
 */
const SESSIONS = 16;
export const IN_FLIGHT = 32;
const LEGACY = '2025-11-25';
export const MODERN = '2026-07-28';
export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const MODERN_HEADERS = {
  ...JSON_HEADERS,
  'mcp-protocol-version': MODERN,
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
};

function callBody(id: number, meta?: Record<string, unknown>): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'hello' }, ...(meta === undefined ? {} : { _meta: meta }) },
  });
}

export interface Nodes {
  urls: string[];
  stop(): Promise<void>;
}

export async function startNodes(count: number): Promise<Nodes> {
  const nats = await NatsServer.start();
  const cluster = `mcpbench${count}`;
  const names = Array.from({ length: count }, (_, i) => `mcp${i + 1}`);
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(endNode));
    await nats.stop();
  };
  try {
    const ports = await Promise.all(
      names.map((name) => {
        const others = names.filter((n) => n !== name).join(',');
        const child = spawn(process.execPath, [path.join(__dirname, 'mcp-node.js'), nats.url, cluster, name, others], {
          stdio: ['pipe', 'pipe', 'inherit'],
          env: { ...process.env, ERLMCP_LOG_LEVEL: 'silent' },
        });
        children.push(child);
        return new Promise<number>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`${name} not ready in 120 s`)), 120_000);
          child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const match = /ready (\d+)/.exec(out);
            if (match === null) return;
            clearTimeout(timer);
            resolve(Number(match[1]));
          });
          child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
        });
      }),
    );
    return { urls: ports.map((port) => `http://127.0.0.1:${port}/mcp`), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function isEcho(answer: PostAnswer): boolean {
  return answer.status === 200 && answer.body.includes('"text":"hello"') && !answer.body.includes('"error"');
}

/** `size` tools/call (half in sessions, half stateless), round robin across `count` nodes. */
export async function mcpThroughNodes(count: number, size: number): Promise<Measurement> {
  const nodes = await startNodes(count);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  const pick = (): string => nodes.urls[next++ % nodes.urls.length]!;
  try {
    const sessions: { id: string; owner: string }[] = [];
    for (let s = 0; s < SESSIONS; s++) {
      const owner = pick();
      const init = await post(
        owner,
        JSON_HEADERS,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
        }),
        agent,
      );
      const session = init.headers['mcp-session-id'];
      if (init.status !== 200 || typeof session !== 'string')
        throw new Error(`initialize: ${init.status} ${init.body}`);
      const note = await post(
        pick(),
        { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY },
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        agent,
      );
      if (note.status !== 202) throw new Error(`notifications/initialized: ${note.status} ${note.body}`);
      sessions.push({ id: session, owner });
    }
    const one = async (i: number): Promise<boolean> => {
      const url = pick();
      if (i % 2 === 0) {
        const answer = await post(url, MODERN_HEADERS, callBody(i + 1, MODERN_META), agent);
        if (!isEcho(answer)) throw new Error(`stateless tools/call: ${answer.status} ${answer.body}`);
        return false;
      }
      const session = sessions[(i >> 1) % SESSIONS]!;
      const headers = { ...JSON_HEADERS, 'mcp-session-id': session.id, 'mcp-protocol-version': LEGACY };
      const answer = await post(url, headers, callBody(i + 1), agent);
      if (!isEcho(answer)) throw new Error(`session tools/call: ${answer.status} ${answer.body}`);
      return url !== session.owner;
    };
    const run = await driveForwarded(size, IN_FLIGHT, one);
    return {
      value: run.perSecond,
      p50Us: run.p50Us,
      p99Us: run.p99Us,
      detail: { nodes: count, forwardedShare: run.forwardedShare },
    };
  } finally {
    agent.destroy();
    await nodes.stop();
  }
}
