import { encodePayload, type JsonRpcPayload } from '@erlmcp/mcp';
import { ClientSession, type ClientSessionOptions } from '../../src/client';
import type { McpServerDefinition, ServerSession, ServerSessionOptions } from '../../src/server';

/** Collects what a session sends, decoded, and lets a test wait for a matching message. */
export class Outbox {
  readonly messages: JsonRpcPayload[] = [];
  private waiters: { match: (payload: JsonRpcPayload) => boolean; resolve: (payload: JsonRpcPayload) => void }[] = [];

  readonly send = (payload: JsonRpcPayload): void => {
    // Through text and back, so tests see exactly what the wire would carry.
    const copy = JSON.parse(encodePayload(payload)) as JsonRpcPayload;
    this.messages.push(copy);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(copy)) return true;
      waiter.resolve(copy);
      return false;
    });
  };

  next(match: (payload: JsonRpcPayload) => boolean): Promise<JsonRpcPayload> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  response(id: string | number): Promise<Record<string, unknown>> {
    return this.next(
      (m) => !Array.isArray(m) && 'id' in m && m.id === id && !('method' in m),
    ) as Promise<unknown> as Promise<Record<string, unknown>>;
  }

  notifications(method: string): Record<string, unknown>[] {
    return this.messages.filter(
      (m): m is JsonRpcPayload & Record<string, unknown> =>
        !Array.isArray(m) && 'method' in m && !('id' in m) && m.method === method,
    );
  }

  clear(): void {
    this.messages.length = 0;
  }
}

export function initializeRequest(id: number | string = 0, protocolVersion = '2025-11-25', capabilities: object = {}) {
  return {
    jsonrpc: '2.0' as const,
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities, clientInfo: { name: 'test-client', version: '1.0.0' } },
  };
}

/** A server session driven directly by a test, already through the handshake. */
export async function readyServer(
  definition: McpServerDefinition,
  options: { protocolVersion?: string; capabilities?: object } & Partial<ServerSessionOptions> = {},
): Promise<{
  session: ServerSession;
  out: Outbox;
  request: (method: string, params?: object) => Promise<Record<string, unknown>>;
}> {
  const out = new Outbox();
  const session = definition.createSession({ ...options, send: out.send });
  session.receive(initializeRequest(0, options.protocolVersion, options.capabilities));
  await out.response(0);
  session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
  let nextId = 1;
  const request = (method: string, params?: object): Promise<Record<string, unknown>> => {
    const id = nextId++;
    session.receive(
      params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: { ...params } },
    );
    return out.response(id);
  };
  return { session, out, request };
}

/**
 * Our client and our server joined by an asynchronous text wire (every message is encoded
 * and decoded, and delivered on a later tick, as a real transport would).
 */
export function link(
  definition: McpServerDefinition,
  clientOptions: Partial<ClientSessionOptions> = {},
  serverOptions: Partial<ServerSessionOptions> = {},
): { client: ClientSession; server: ServerSession; toServer: JsonRpcPayload[]; toClient: JsonRpcPayload[] } {
  const toServer: JsonRpcPayload[] = [];
  const toClient: JsonRpcPayload[] = [];
  const server = definition.createSession({
    ...serverOptions,
    send: (payload) => {
      toClient.push(payload);
      const text = encodePayload(payload);
      // Read when the message is delivered, by which time `client` below exists.
      setImmediate(() => client.receiveText(text));
    },
  });
  const client = new ClientSession({
    clientInfo: { name: 'erlmcp-test-client', version: '1.0.0' },
    ...clientOptions,
    send: (payload) => {
      toServer.push(payload);
      const text = encodePayload(payload);
      setImmediate(() => server.receiveText(text));
    },
  });
  return { client, server, toServer, toClient };
}
