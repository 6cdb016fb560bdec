import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a node of a cluster mints starts with its node number in base 36 and a dot: session
 * ids (`<node>.…`), 2026-07-28 task ids (`<node>.…`) and handles (`mcph_<node>.…`), as a
 * front door's workers put their index there. Any node reads the owner from the id alone; a
 * node's number is fresh per run (as Erlang's creation), so a restarted node, under the same
 * name, never claims what its previous run made.
 */
export function ownerPrefix(node: number): string {
  return `${node.toString(36)}.`;
}

const PREFIX = /^([0-9a-z]{1,7})\./;

/** The node number an id names, or undefined for an id no node of a cluster made. */
export function ownerNodeOf(id: string): number | undefined {
  const match = PREFIX.exec(id);
  if (match === null) return undefined;
  const node = parseInt(match[1]!, 36);
  return Number.isSafeInteger(node) && node > 0 ? node : undefined;
}

/** What a request's owner is read from: its session (2025), its task, or the handle it carries (2026-07-28). */
export type OwnedBy = { kind: 'session' | 'task' | 'handle'; id: string };

const HANDLE = 'mcph_';
const SENTINEL = '=?base64?';

/**
 * The id that names the node a request belongs to, from its headers only (the body is the
 * owner's to read), as the front door routes between workers: `Mcp-Session-Id`; for a
 * `tasks/*` request the task id in `Mcp-Name` (the tasks extension's routing rule); for a
 * `tools/call`, the first `Mcp-Param-*` header holding a handle (a tool argument annotated
 * with `x-mcp-header`; the owner checks it against the body).
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
