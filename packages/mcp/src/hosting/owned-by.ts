import type { IncomingHttpHeaders } from 'node:http';

/** What a request's owner is read from: its session (2025), its task, or the handle it carries (2026-07-28). */
export type OwnedBy = { kind: 'session' | 'task' | 'handle'; id: string };

const HANDLE = 'mcph_';
const SENTINEL = '=?base64?';

/**
 * The id that names the worker or node a request belongs to, from its headers only (the body
 * is the owner's to read): `Mcp-Session-Id` (2025); for a 2026-07-28 `tasks/*` request the
 * task id in `Mcp-Name` (the tasks extension's routing rule); for a `tools/call`, the first
 * `Mcp-Param-*` header holding a server-minted handle (a tool argument annotated with
 * `x-mcp-header`; the owner checks it against the body). Used by the front door between its
 * workers and by @erlmcp/distribution between nodes: both mint ids that start with the owner.
 */
export function ownedBy(headers: IncomingHttpHeaders): OwnedBy | undefined {
  const session = headers['mcp-session-id'];
  if (typeof session === 'string') return { kind: 'session', id: session };
  const method = headers['mcp-method'];
  if (typeof method !== 'string') return undefined;
  if (method === 'tools/call') {
    const handle = handleIn(headers);
    return handle === undefined ? undefined : { kind: 'handle', id: handle };
  }
  const name = headers['mcp-name'];
  return method.startsWith('tasks/') && typeof name === 'string' ? { kind: 'task', id: name } : undefined;
}

/** The first `Mcp-Param-*` value that is a handle, less `mcph_`. */
function handleIn(headers: IncomingHttpHeaders): string | undefined {
  for (const name in headers) {
    if (!name.startsWith('mcp-param-')) continue;
    const raw = headers[name];
    let value = Array.isArray(raw) ? raw[0] : raw;
    // A client may send any value in the Base64 sentinel ("Value Encoding").
    if (value?.startsWith(SENTINEL) === true && value.endsWith('?='))
      value = Buffer.from(value.slice(SENTINEL.length, -2), 'base64').toString('utf8');
    if (value?.startsWith(HANDLE) === true) return value.slice(HANDLE.length);
  }
  return undefined;
}
