import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import type { JoinOptions } from '@erlmcp/distribution';

const MCP_NODE = path.join(__dirname, 'fixtures', 'mcp-node.cjs');

/** A node serving MCP in its own OS process (fixtures/mcp-node.cjs, the compiled packages). */
export class McpNode {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static start(options: JoinOptions): Promise<McpNode> {
    const child = spawnChild(process.execPath, [MCP_NODE, JSON.stringify(options)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ERLMCP_LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`mcp node ${options.name} not ready in 60 s: ${err}`));
      }, 60_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ready (\d+)/.exec(out);
        if (match !== null) {
          clearTimeout(timer);
          resolve(new McpNode(options.name, `http://127.0.0.1:${match[1]}/mcp`, child));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mcp node ${options.name} exited (${code}) before ready: ${err}`));
      });
    });
  }

  /** Sends "disconnect" or "reconnect" (a partition, its healing) and resolves once the node has done it. */
  command(command: 'disconnect' | 'reconnect'): Promise<void> {
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`mcp node ${this.name}: no answer to ${command}`)), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (!out.includes(`ok ${command}`) && !out.includes(`failed ${command}`)) return;
        clearTimeout(timer);
        this.child.stdout!.off('data', onData);
        if (out.includes(`ok ${command}`)) resolve();
        else reject(new Error(`mcp node ${this.name}: ${out.trim()}`));
      };
      this.child.stdout!.on('data', onData);
      this.child.stdin!.write(`${command}\n`);
    });
  }

  /** SIGKILL: no goodbye; the others find out by missed heartbeats. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers, on a connection of its own. */
export function post(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
export const LEGACY = '2025-11-25';
export const MODERN = '2026-07-28';

export type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: { structuredContent?: Record<string, unknown> };
  error?: { code: number; message: string };
};

/** The JSON-RPC messages of an answer: its one JSON body, or the events of its SSE stream. */
export function messages(reply: Reply): Message[] {
  if (String(reply.headers['content-type']).startsWith('application/json')) return [JSON.parse(reply.body) as Message];
  return reply.body
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 6)
    .map((line) => JSON.parse(line.slice(6)) as Message);
}

/** Opens a 2025-11-25 session on the node at `url`; resolves with its id. */
export async function initialize(url: string): Promise<string> {
  const reply = await post(
    url,
    'POST',
    JSON_HEADERS,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    }),
  );
  if (reply.status !== 200) throw new Error(`initialize: ${reply.status} ${reply.body}`);
  const id = reply.headers['mcp-session-id'] as string;
  const note = await post(
    url,
    'POST',
    { ...JSON_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': LEGACY },
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  if (note.status !== 202) throw new Error(`notifications/initialized: ${note.status} ${note.body}`);
  return id;
}

/** tools/call in a 2025 session, through the node at `url` (any node of the cluster). */
export function sessionCall(url: string, session: string, tool: string, id: number, meta?: Record<string, unknown>) {
  return post(
    url,
    'POST',
    { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY },
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: tool, arguments: {}, ...(meta === undefined ? {} : { _meta: meta }) },
    }),
  );
}

/** A 2026-07-28 tools/call: no session, everything the server needs is in the request. */
export function statelessCall(url: string, tool: string, id: number) {
  return post(
    url,
    'POST',
    { ...JSON_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': tool },
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
        },
      },
    }),
  );
}

/** Client capabilities that declare the tasks extension (and elicitation, which the `asks` task uses). */
export const WITH_TASKS = { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } };

export type Answer = {
  id?: number;
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: unknown };
};

/**
 * A 2026-07-28 request through the node at `url`: `Mcp-Name` is the tool's name for tools/call
 * and the task id for tasks/* (the tasks extension's routing rule); `headers` adds others
 * (`Mcp-Param-*`, `Authorization`). Resolves with the HTTP status and the JSON-RPC answer.
 */
export async function modern(
  url: string,
  method: string,
  params: Record<string, unknown>,
  id: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; answer: Answer }> {
  const name = method === 'tools/call' ? params.name : params.taskId;
  const reply = await post(
    url,
    'POST',
    {
      ...JSON_HEADERS,
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
      ...headers,
    },
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': WITH_TASKS,
          'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
        },
      },
    }),
  );
  const all = messages(reply);
  return { status: reply.status, answer: all[all.length - 1] as Answer };
}

/** This node's forwarder stats and flood state (the fixture's `probe` tool, a 2026-07-28 call answered where it lands). */
export async function probe(url: string): Promise<Record<string, any>> {
  const { answer } = await modern(url, 'tools/call', { name: 'probe', arguments: {} }, 1);
  return answer.result!.structuredContent as Record<string, any>;
}
