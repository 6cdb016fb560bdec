/**
 * The MCP messages a virtual user sends, and the check of each answer: the JSON-RPC id must
 * be the request's, and the content must be what the server under test (server/definition.ts)
 * answers for that request. An answer that fails either is a mismatch, counted as a failure.
 */
import type { Operation } from './args';

export const PROTOCOL_VERSION = '2025-06-18';

export function initializeBody(id: number, client: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: client, version: '1.0.0' } },
  });
}

export const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

/** One request on the wire and what its answer must hold. */
export interface OutgoingRequest {
  id: number;
  op: Operation | 'initialize';
  body: string;
  /** Undefined when the answer is right; otherwise why it is not. */
  check(answer: unknown): string | undefined;
}

interface JsonRpcAnswer {
  jsonrpc?: unknown;
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code?: unknown; message?: unknown };
}

function envelope(answer: unknown, id: number): { result: Record<string, unknown> } | string {
  if (typeof answer !== 'object' || answer === null) return 'not a JSON-RPC object';
  const a = answer as JsonRpcAnswer;
  if (a.id !== id) return `id ${JSON.stringify(a.id)} answered request ${id}`;
  if (a.error !== undefined) return `error ${String(a.error.code)}: ${String(a.error.message)}`;
  if (typeof a.result !== 'object' || a.result === null) return 'no result';
  return { result: a.result };
}

/** The text the echo tool must send back: unique per virtual user and request. */
export function echoText(vu: number, id: number): string {
  return `vu${vu}#${id}`;
}

export function itemUri(n: number): string {
  return `load://item/${n}`;
}

/** What the item resource holds (server/definition.ts). */
export function itemText(n: number): string {
  return `item ${n}`;
}

export function initializeRequest(id: number, vu: number): OutgoingRequest {
  return {
    id,
    op: 'initialize',
    body: initializeBody(id, `load-vu-${vu}`),
    check: (answer) => {
      const e = envelope(answer, id);
      if (typeof e === 'string') return e;
      return typeof e.result.protocolVersion === 'string' ? undefined : 'initialize result without protocolVersion';
    },
  };
}

/** The request for `op`, numbered `id`, of virtual user `vu`. */
export function operationRequest(op: Operation, id: number, vu: number): OutgoingRequest {
  switch (op) {
    case 'list':
      return {
        id,
        op,
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }),
        check: (answer) => {
          const e = envelope(answer, id);
          if (typeof e === 'string') return e;
          const tools = e.result.tools;
          return Array.isArray(tools) && tools.some((t: { name?: unknown }) => t?.name === 'echo')
            ? undefined
            : 'tools/list without the echo tool';
        },
      };
    case 'call': {
      const text = echoText(vu, id);
      return {
        id,
        op,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text } },
        }),
        check: (answer) => {
          const e = envelope(answer, id);
          if (typeof e === 'string') return e;
          const content = e.result.content as Array<{ type?: unknown; text?: unknown }> | undefined;
          const got = Array.isArray(content) ? content[0]?.text : undefined;
          if (e.result.isError === true) return `tool error: ${String(got)}`;
          return got === text ? undefined : `echo answered ${JSON.stringify(got)}, not ${JSON.stringify(text)}`;
        },
      };
    }
    case 'read': {
      const n = (vu * 7 + id) % 1000;
      const uri = itemUri(n);
      return {
        id,
        op,
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } }),
        check: (answer) => {
          const e = envelope(answer, id);
          if (typeof e === 'string') return e;
          const first = (e.result.contents as Array<{ uri?: unknown; text?: unknown }> | undefined)?.[0];
          return first?.uri === uri && first.text === itemText(n)
            ? undefined
            : `read ${uri} answered ${JSON.stringify(first)}`;
        },
      };
    }
  }
}

/**
 * The JSON-RPC messages of an HTTP answer body: one JSON document, or SSE events whose data
 * lines each hold one. Anything else throws (a body that is neither is a failure).
 */
export function messagesOfBody(body: string, contentType: string | undefined): unknown[] {
  if (contentType?.includes('text/event-stream') === true) {
    const messages: unknown[] = [];
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (data !== '') messages.push(JSON.parse(data));
    }
    return messages;
  }
  return body === '' ? [] : [JSON.parse(body)];
}
