import { isPlainObject } from '../jsonrpc/codec';
import type { JsonObject } from '../jsonrpc/types';
import type { Tool } from '../types/tools';

// `x-mcp-header` (basic/transports/streamable-http.mdx of 2026-07-28, "Custom Headers from
// Tool Parameters"): a tool names arguments that a client on Streamable HTTP mirrors into
// `Mcp-Param-{Name}` headers, so that intermediaries can route on them without the body.

/** One annotated argument: where it is in `arguments`, and the header that carries it. */
export interface ParamHeader {
  readonly path: readonly string[];
  /** The header name, lower case: `mcp-param-{name}`. */
  readonly header: string;
}

/** RFC 9110 `token` (`1*tchar`). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE_TYPES: ReadonlySet<unknown> = new Set(['string', 'integer', 'boolean']);
/** Keywords whose values are data, not schemas: an `x-mcp-header` key inside them annotates nothing. */
const DATA_KEYWORDS: ReadonlySet<string> = new Set(['const', 'enum', 'default', 'examples', 'x-mcp-header']);

/**
 * The annotations of a tool's inputSchema, or why the tool must be refused ("Schema
 * Extension"): a value that is empty, not a token, or repeated (case-insensitively); an
 * annotated property whose type is not string, integer or boolean; or an annotation that is
 * not reachable from the root through `properties` alone (under `items`, `oneOf`, `$defs`, ...).
 */
export function readParamHeaders(tool: Tool): { headers: readonly ParamHeader[] } | { invalid: string } {
  const found: ParamHeader[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const visitSchema = (schema: JsonObject, path: string[] | undefined): void => {
    if (Object.hasOwn(schema, 'x-mcp-header')) {
      const name = schema['x-mcp-header'];
      const where =
        path === undefined || path.length === 0 ? 'a schema not reached through properties' : path.join('.');
      if (path === undefined || path.length === 0) problems.push(`x-mcp-header on ${where}`);
      else if (typeof name !== 'string' || !TOKEN.test(name))
        problems.push(`x-mcp-header of ${where} is not an HTTP token: ${JSON.stringify(name)}`);
      else if (seen.has(name.toLowerCase())) problems.push(`x-mcp-header '${name}' is used twice`);
      else if (!PRIMITIVE_TYPES.has(schema.type))
        problems.push(`x-mcp-header '${name}' is on ${where}, whose type is not string, integer or boolean`);
      else {
        seen.add(name.toLowerCase());
        found.push({ path, header: `mcp-param-${name.toLowerCase()}` });
      }
    }
    for (const [key, value] of Object.entries(schema)) {
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'properties' && isPlainObject(value)) {
        for (const [property, sub] of Object.entries(value))
          if (isPlainObject(sub)) visitSchema(sub, path === undefined ? undefined : [...path, property]);
        continue;
      }
      visitAny(value);
    }
  };
  // Anything else may hold schemas (items, oneOf, $defs, ...): annotations there are misplaced.
  const visitAny = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visitAny(item);
    else if (isPlainObject(value)) visitSchema(value, undefined);
  };
  if (isPlainObject(tool.inputSchema)) visitSchema(tool.inputSchema as JsonObject, []);
  return problems.length > 0 ? { invalid: problems.join('; ') } : { headers: found };
}

/** A header value as it stands when it is visible ASCII, else in the `=?base64?…?=` sentinel ("Value Encoding"). */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value);
  // A plain value that looks like the sentinel is encoded too, or the server would decode it.
  const lookalike = value.startsWith('=?base64?') && value.endsWith('?=');
  return plain && !lookalike ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * The `Mcp-Param-{Name}` headers for one call's arguments: the value at each annotated path,
 * strings as they are, integers in decimal, booleans as `true`/`false`. A missing or null
 * value sends no header; so does a value of another type (the server then refuses the call).
 */
export function paramHeaderValues(headers: readonly ParamHeader[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, header } of headers) {
    let value: unknown = args;
    for (const key of path) value = isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (typeof value === 'string') out[header] = encodeHeaderValue(value);
    else if (typeof value === 'boolean') out[header] = String(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) out[header] = String(value);
  }
  return out;
}
