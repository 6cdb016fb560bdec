import type { IncomingHttpHeaders } from 'node:http';
import { isPlainObject } from '../../jsonrpc/codec';
import type { JsonObject } from '../../jsonrpc/types';
import { HeaderMismatchError } from '../../protocol/errors';
import type { ToolRegistry } from '../../server/tools';
import type { Tool } from '../../types/tools';

/**
 * The request metadata headers of Streamable HTTP 2026-07-28 (basic/transports/streamable-http.mdx,
 * "Request Metadata" and "Server Validation"): `MCP-Protocol-Version`, `Mcp-Method` and
 * `Mcp-Name` must be present and equal the body's values, and so must every
 * `Mcp-Param-{Name}` a tool's inputSchema asks for with `x-mcp-header`. Any failure is a
 * HeaderMismatchError (-32020, HTTP 400).
 */
export function checkMcpHeaders(
  headers: IncomingHttpHeaders,
  method: string,
  params: JsonObject,
  version: unknown,
  tools: ToolRegistry,
): void {
  const headerVersion = single(headers, 'mcp-protocol-version');
  if (headerVersion === undefined) throw new HeaderMismatchError('the MCP-Protocol-Version header is required');
  if (headerVersion !== version)
    throw new HeaderMismatchError(
      `MCP-Protocol-Version header value '${headerVersion}' does not match body value '${String(version)}'`,
    );
  const headerMethod = single(headers, 'mcp-method');
  if (headerMethod === undefined) throw new HeaderMismatchError('the Mcp-Method header is required');
  if (headerMethod !== method)
    throw new HeaderMismatchError(`Mcp-Method header value '${headerMethod}' does not match body value '${method}'`);
  const nameKey = NAME_SOURCE[method];
  if (nameKey === undefined) return;
  const bodyName = params[nameKey];
  const headerName = single(headers, 'mcp-name');
  if (headerName === undefined) throw new HeaderMismatchError(`the Mcp-Name header is required for ${method}`);
  const decoded = decodeHeaderValue(headerName, 'Mcp-Name');
  if (decoded !== bodyName)
    throw new HeaderMismatchError(
      `Mcp-Name header value '${headerName}' does not match body value '${String(bodyName)}'`,
    );
  if (method === 'tools/call' && typeof bodyName === 'string') {
    const tool = tools.descriptor(bodyName);
    if (tool !== undefined) checkParamHeaders(headers, tool, isPlainObject(params.arguments) ? params.arguments : {});
  }
}

/** Where `Mcp-Name` comes from, per method (the "Standard Request Headers" table). */
const NAME_SOURCE: Readonly<Record<string, string | undefined>> = {
  __proto__: null,
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  // The tasks extension (tasks.md, "Streamable HTTP: Routing Headers"): Mcp-Name is the task id.
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
} as never;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/**
 * A header value with the `=?base64?…?=` sentinel decoded ("Value Encoding"). Only a value with
 * both the prefix and the `?=` suffix is Base64; any other value is literal, `=?base64?x` too.
 */
export function decodeHeaderValue(value: string, header: string): string {
  if (value.length < 11 || !value.startsWith('=?base64?') || !value.endsWith('?=')) return value;
  const match = SENTINEL.exec(value);
  if (match === null || match[1].length % 4 !== 0)
    throw new HeaderMismatchError(`${header} header has a malformed Base64 value`);
  const bytes = Buffer.from(match[1], 'base64');
  const text = bytes.toString('utf8');
  // Invalid UTF-8 would decode to U+FFFD and could then match nothing honestly: refuse it.
  if (!Buffer.from(text, 'utf8').equals(bytes))
    throw new HeaderMismatchError(`${header} header is not UTF-8 once decoded`);
  return text;
}

interface ParamHeader {
  readonly path: readonly string[];
  readonly header: string;
}

/** Annotations per descriptor; a descriptor is replaced, never changed, when its tool is. */
const annotationsOf = new WeakMap<Tool, readonly ParamHeader[]>();

/** The `x-mcp-header` annotations reachable from the schema root through `properties` alone. */
function paramHeaders(tool: Tool): readonly ParamHeader[] {
  let found = annotationsOf.get(tool);
  if (found === undefined) {
    const out: ParamHeader[] = [];
    const walk = (schema: unknown, path: string[]): void => {
      if (!isPlainObject(schema) || !isPlainObject(schema.properties)) return;
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (!isPlainObject(sub)) continue;
        if (typeof sub['x-mcp-header'] === 'string')
          out.push({ path: [...path, key], header: `mcp-param-${sub['x-mcp-header'].toLowerCase()}` });
        walk(sub, [...path, key]);
      }
    };
    walk(tool.inputSchema, []);
    found = out;
    annotationsOf.set(tool, found);
  }
  return found;
}

/** "Server Behavior for Custom Headers": a value in the body needs its header, equal to it. */
function checkParamHeaders(headers: IncomingHttpHeaders, tool: Tool, args: JsonObject): void {
  for (const { path, header } of paramHeaders(tool)) {
    let value: unknown = args;
    for (const key of path) value = isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (value === undefined || value === null) continue;
    const raw = single(headers, header);
    if (raw === undefined)
      throw new HeaderMismatchError(`the ${header} header is required when arguments.${path.join('.')} is given`);
    const text = decodeHeaderValue(raw, header);
    const same =
      typeof value === 'string'
        ? text === value
        : typeof value === 'boolean'
          ? text === String(value)
          : // Integers compare as numbers ("42.0" equals 42), as the spec's note suggests.
            typeof value === 'number'
            ? text.trim() !== '' && Number(text) === value
            : false;
    if (!same)
      throw new HeaderMismatchError(
        `${header} header value '${raw}' does not match body value at arguments.${path.join('.')}`,
      );
  }
}
