import type { JsonRpcPayload } from '../../src/jsonrpc/types';
import type { McpServerDefinition } from '../../src/server';

/** The `_meta` of a 2026-07-28 request, with these client capabilities. */
export function modernMeta(capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    ...extra,
  };
}

/** Capabilities that declare the tasks extension. */
export const WITH_TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

export interface Answer {
  id?: string | number;
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: any };
}

/**
 * A session of `definition` driven by hand, as one transport connection: what it sends is
 * kept, and `call` resolves with the answer to its request.
 */
export function modernWire(definition: McpServerDefinition, principal?: string) {
  const sent: Record<string, any>[] = [];
  const waiting = new Map<string | number, (answer: Answer) => void>();
  const session = definition.createSession({
    principal,
    send: (payload: JsonRpcPayload) => {
      for (const message of Array.isArray(payload) ? payload : [payload]) {
        sent.push(message as Record<string, any>);
        const id = (message as { id?: string | number }).id;
        if (id !== undefined && !('method' in message)) waiting.get(id)?.(message as Answer);
      }
    },
  });
  let next = 0;
  const call = (method: string, params: Record<string, unknown>, id: string | number = `r${next++}`) =>
    new Promise<Answer>((resolve) => {
      waiting.set(id, resolve);
      session.receive({ jsonrpc: '2.0', id, method, params: params as never });
    });
  return { session, sent, call };
}
