import path from 'node:path';
import type { JoinOptions } from '@erlmcp/distribution';
import { Peer } from './helpers';
import { JSON_HEADERS, messages as sseMessages, raw, type RawResponse } from '../../../test-support/http-raw';

const MCP_NODE = path.join(__dirname, 'fixtures', 'mcp-node.cjs');

/** A node serving MCP in its own OS process (fixtures/mcp-node.cjs, the compiled packages): a `Peer` whose "ready" line names its HTTP port. */
export class McpNode {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly peer: Peer,
  ) {}

  static async start(options: JoinOptions): Promise<McpNode> {
    const peer = await Peer.start(options, MCP_NODE);
    return new McpNode(options.name, `http://127.0.0.1:${peer.id}/mcp`, peer);
  }

  /** Sends "disconnect" or "reconnect" (a partition, its healing) and resolves once the node has done it. */
  command(command: 'disconnect' | 'reconnect'): Promise<void> {
    return this.peer.command(command);
  }

  /** SIGKILL: no goodbye; the others find out by missed heartbeats. */
  kill(): Promise<void> {
    return this.peer.kill();
  }

  stop(): Promise<void> {
    return this.peer.stop();
  }
}

/** One HTTP request with exactly these headers, on a connection of its own. */
export const post = raw;
export type Reply = RawResponse;
export { JSON_HEADERS };

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
export const messages = (reply: Reply): Message[] => sseMessages<Message>(reply);

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
