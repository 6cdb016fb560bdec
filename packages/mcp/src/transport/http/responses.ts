import type { ServerResponse } from 'node:http';
import { encodePayload } from '../../jsonrpc/codec';
import type { JsonRpcPayload } from '../../jsonrpc/types';

/** A JSON-RPC body with its length, and the session id when there is one. */
export function writeJson(res: ServerResponse, status: number, body: JsonRpcPayload, sessionId?: string): void {
  if (res.headersSent || res.writableEnded) return;
  writeJsonText(res, status, encodePayload(body), sessionId);
}

/** {@link writeJson} for a body already encoded. */
export function writeJsonText(res: ServerResponse, status: number, text: string, sessionId?: string): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (sessionId !== undefined) headers['Mcp-Session-Id'] = sessionId;
  res.writeHead(status, headers).end(text);
}

/**
 * An HTTP-level failure as a JSON-RPC error without an id, as the reference SDK answers
 * (-32000 for transport errors, -32001 for an unknown session).
 */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message } });
  res
    .writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers })
    .end(text);
}
