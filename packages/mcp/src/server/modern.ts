import { createHash } from 'node:crypto';
import { isPlainObject } from '../jsonrpc/codec';
import { InvalidParamsError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { UnsupportedProtocolVersionRpcError } from '../protocol/errors';
import {
  ALL_PROTOCOL_VERSIONS,
  isModernProtocolVersion,
  MODERN_PROTOCOL_VERSIONS,
  type ModernProtocolVersion,
} from '../protocol/versions';
import type { Implementation } from '../types/base';
import type { ClientCapabilities } from '../types/lifecycle';
import type { InputRequests } from '../types/input-requests';
import { isLoggingLevel, type LoggingLevel } from '../types/logging';
import { canonicalJson, type RequestStateSigner } from './request-state';

// The reserved `_meta` keys of revision 2026-07-28 (schema/2026-07-28/schema.ts:
// RequestMetaObject, ResultMetaObject).
export const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
export const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';
export const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

/** What a 2026-07-28 request says about itself: the state a 2025 session held, per request. */
export interface ModernRequestMeta {
  readonly protocolVersion: ModernProtocolVersion;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo: Implementation | undefined;
  /** Absent: the server sends no notifications/message for this request (SEP-2575). */
  readonly logLevel: LoggingLevel | undefined;
}

/** True when `params._meta` names a protocol version: the request speaks the stateless era. */
export function claimsModernEra(params: JsonObject): boolean {
  const meta = params._meta;
  return isPlainObject(meta) && PROTOCOL_VERSION_KEY in meta;
}

/**
 * A 2026-07-28 request (its `_meta` names a version, or it is `server/discover`, a method only
 * that revision has) sent on a 2025 session: initialize chose legacy semantics there
 * (basic/versioning.mdx, dual-era), so it is -32022 listing the session's revision, the one
 * served on it. Undefined for any other request. Streamable HTTP answers it with status 400,
 * as every UnsupportedProtocolVersionError (basic/transports/streamable-http.mdx).
 */
export function modernOnLegacySession(
  method: string,
  params: unknown,
  sessionVersion: string,
): UnsupportedProtocolVersionRpcError | undefined {
  const object = isPlainObject(params) ? params : undefined;
  if (method !== 'server/discover' && (object === undefined || !claimsModernEra(object))) return undefined;
  const meta = object?._meta;
  const requested = isPlainObject(meta) ? meta[PROTOCOL_VERSION_KEY] : undefined;
  return new UnsupportedProtocolVersionRpcError(
    typeof requested === 'string' ? requested : MODERN_PROTOCOL_VERSIONS[0],
    [sessionVersion],
  );
}

/**
 * Reads and checks the per-request `_meta`. An unknown version is -32022 listing what this
 * server serves (basic/versioning.mdx); missing or malformed required fields are -32602.
 */
export function readModernMeta(params: JsonObject): ModernRequestMeta {
  const meta = params._meta;
  if (!isPlainObject(meta))
    throw new InvalidParamsError(`_meta with "${PROTOCOL_VERSION_KEY}" and "${CLIENT_CAPABILITIES_KEY}" is required`);
  const version = meta[PROTOCOL_VERSION_KEY];
  if (typeof version !== 'string') throw new InvalidParamsError(`_meta["${PROTOCOL_VERSION_KEY}"] must be a string`);
  if (!isModernProtocolVersion(version)) throw new UnsupportedProtocolVersionRpcError(version, ALL_PROTOCOL_VERSIONS);
  const capabilities = meta[CLIENT_CAPABILITIES_KEY];
  if (!isPlainObject(capabilities))
    throw new InvalidParamsError(`_meta["${CLIENT_CAPABILITIES_KEY}"] is required and must be an object`);
  const info = meta[CLIENT_INFO_KEY];
  if (
    info !== undefined &&
    !(isPlainObject(info) && typeof info.name === 'string' && typeof info.version === 'string')
  ) {
    throw new InvalidParamsError(`_meta["${CLIENT_INFO_KEY}"] needs a name and a version`);
  }
  const level = meta[LOG_LEVEL_KEY];
  /* eslint-disable @typescript-eslint/no-base-to-string -- a bad value, shown in the message as String() shows it */
  if (level !== undefined && !isLoggingLevel(level))
    throw new InvalidParamsError(`Unknown logging level: ${String(level)}`);
  /* eslint-enable @typescript-eslint/no-base-to-string */
  return {
    protocolVersion: version,
    clientCapabilities: capabilities as ClientCapabilities,
    clientInfo: info as Implementation | undefined,
    logLevel: level,
  };
}

/** How long, and for whom, a client may keep a cacheable result (SEP-2549). */
export interface CacheHint {
  ttlMs: number;
  cacheScope: 'public' | 'private';
}

/**
 * The results the revision calls cacheable (`CacheableResult` in schema.ts: the lists,
 * resources/read and server/discover).
 */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/**
 * A result as 2026-07-28 sends it: `resultType` (required on every result), the server's
 * identity in `_meta`, and the cache hint where the method's result is cacheable.
 */
export function modernResult(result: unknown, method: string, serverInfo: Implementation, cache: CacheHint): unknown {
  if (!isPlainObject(result)) return result;
  // A copy: a handler may return a shared or frozen object. Built by assignment: a spread
  // followed by a computed key made V8 take its slow path, the largest of our costs per call.
  const out: JsonObject = { ...result };
  if (typeof out.resultType !== 'string') out.resultType = 'complete';
  out._meta = isPlainObject(out._meta) ? withServerInfo({ ...out._meta }, serverInfo) : serverInfoMeta(serverInfo);
  if (out.resultType === 'complete' && CACHEABLE_METHODS.has(method)) {
    if (typeof out.ttlMs !== 'number') out.ttlMs = cache.ttlMs;
    if (out.cacheScope !== 'public' && out.cacheScope !== 'private') out.cacheScope = cache.cacheScope;
  }
  return out;
}

function withServerInfo(meta: JsonObject, serverInfo: Implementation): JsonObject {
  meta[SERVER_INFO_KEY] = serverInfo as unknown as JsonObject;
  return meta;
}

/**
 * The `_meta` of a result that brought none: the same frozen object for every result of one
 * server (it is only serialized), rather than one per call.
 */
const serverInfoMetas = new WeakMap<Implementation, JsonObject>();
function serverInfoMeta(serverInfo: Implementation): JsonObject {
  let meta = serverInfoMetas.get(serverInfo);
  if (meta === undefined) {
    meta = Object.freeze(withServerInfo({}, serverInfo));
    serverInfoMetas.set(serverInfo, meta);
  }
  return meta;
}

/** An interim input_required answer, which only a 2026-07-28 request may get (made by ctx.inputRequired). */
export function asksForInput(raw: unknown, ctx: { readonly modern?: ModernRequestMeta }): boolean {
  return ctx.modern !== undefined && isPlainObject(raw) && raw.resultType === 'input_required';
}

/** What a multi round-trip retry brought back, checked; `binding` names the request for signing. */
export interface RetryInput {
  readonly binding: string;
  readonly inputResponses: Readonly<Record<string, unknown>> | undefined;
  readonly state: unknown;
}

/**
 * The request identity a `requestState` is bound to (mrtr.mdx, server requirement 5): method,
 * tool name and a digest of the arguments. Only tools/call asks for input here, for now.
 * The digest is taken only when something needs it (a retry's `requestState` to verify, or a
 * handler asking for input): most calls never do, and the SHA-256 was a few percent of a
 * stateless call's CPU. The arguments' canonical text is taken now, so a handler that changes
 * its arguments before it asks still signs what the client sent.
 */
export function readRetry(method: string, params: JsonObject, signer: RequestStateSigner): RetryInput | undefined {
  // mrtr.mdx "Supported Requests": tools/call, prompts/get and resources/read, nothing else.
  const name =
    method === 'resources/read'
      ? params.uri
      : method === 'tools/call' || method === 'prompts/get'
        ? params.name
        : undefined;
  if (typeof name !== 'string') return undefined;
  const responses = params.inputResponses;
  if (responses !== undefined && !isPlainObject(responses))
    throw new InvalidParamsError('inputResponses must be an object');
  const token = params.requestState;
  if (token !== undefined && typeof token !== 'string') throw new InvalidParamsError('requestState must be a string');
  const retry = new Retry(
    method,
    name,
    canonicalJson(method === 'resources/read' ? {} : (params.arguments ?? {})),
    responses,
  );
  if (token !== undefined) retry.state = signer.verify(retry.binding, token);
  return retry;
}

class Retry implements RetryInput {
  state: unknown = undefined;
  private digested: string | undefined;

  constructor(
    private readonly method: string,
    private readonly name: string,
    private readonly argumentsText: string,
    readonly inputResponses: Readonly<Record<string, unknown>> | undefined,
  ) {}

  get binding(): string {
    return (this.digested ??= `${this.method}\n${this.name}\n${createHash('sha256').update(this.argumentsText).digest('base64url')}`);
  }
}

/** The capabilities `requests` need that `declared` lacks, or undefined when none is missing. */
export function missingCapabilities(
  requests: InputRequests,
  declared: ClientCapabilities,
): Record<string, unknown> | undefined {
  const missing: Record<string, unknown> = {};
  for (const request of Object.values(requests)) {
    if (request.method === 'sampling/createMessage' && declared.sampling === undefined) missing.sampling = {};
    if (request.method === 'roots/list' && declared.roots === undefined) missing.roots = {};
    if (request.method === 'elicitation/create') {
      const url = request.params.mode === 'url';
      const caps = declared.elicitation;
      // An empty elicitation capability means form mode (schema.ts, ClientCapabilities examples).
      const ok =
        caps !== undefined && (url ? caps.url !== undefined : caps.form !== undefined || caps.url === undefined);
      if (!ok) missing.elicitation = url ? { url: {} } : { form: {} };
    }
  }
  return Object.keys(missing).length === 0 ? undefined : missing;
}
