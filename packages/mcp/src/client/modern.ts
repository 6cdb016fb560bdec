import { isPlainObject } from '../jsonrpc/codec';
import { JsonRpcError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { ProtocolViolationError, UnsupportedProtocolVersionError } from '../protocol/errors';
import type { Peer, RequestOptions } from '../protocol/peer';
import { expectResult } from '../protocol/results';
import { isModernProtocolVersion, type ModernProtocolVersion } from '../protocol/versions';
import type { Implementation } from '../types/base';
import type { InputRequest, InputRequests } from '../types/input-requests';
import type { ClientCapabilities, ServerCapabilities } from '../types/lifecycle';
import type { LoggingLevel } from '../types/logging';

// The client side of revision 2026-07-28 (basic/versioning.mdx, basic/patterns/mrtr.mdx):
// server/discover instead of initialize, the client's version, capabilities and info in
// every request's `_meta`, and questions asked inside results rather than as requests.

const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

/**
 * Which revision a client speaks. `'legacy'` (the default): the initialize handshake of
 * 2025-11-25 and older. `'auto'`: `server/discover` first, 2026-07-28 when the server offers
 * it, else the initialize handshake (as the official 2.x client's 'auto'). `{ pin }`:
 * 2026-07-28 or nothing.
 */
export type VersionNegotiation = 'legacy' | 'auto' | { pin: ModernProtocolVersion };

/** What `server/discover` said. */
export interface DiscoverResult {
  supportedVersions: string[];
  capabilities: ServerCapabilities;
  instructions?: string;
  serverInfo?: Implementation;
}

/** The revision of the answers to a request: the state a 2025 session held, per request. */
export interface ModernEra {
  protocolVersion: ModernProtocolVersion;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo: Implementation;
  /** Sent as `_meta` logLevel once `setLoggingLevel` was called: otherwise the server sends no logs. */
  logLevel: LoggingLevel | undefined;
}

/** `params` with the era's keys added to its `_meta` (a caller's own `_meta` keys kept). */
export function withModernMeta(params: object | undefined, era: ModernEra): JsonObject {
  const base = (params ?? {}) as JsonObject;
  const meta: JsonObject = {
    ...(isPlainObject(base._meta) ? base._meta : {}),
    [PROTOCOL_VERSION_KEY]: era.protocolVersion,
    [CLIENT_CAPABILITIES_KEY]: era.clientCapabilities as JsonObject,
    [CLIENT_INFO_KEY]: era.clientInfo as unknown as JsonObject,
  };
  if (era.logLevel !== undefined) meta[LOG_LEVEL_KEY] = era.logLevel;
  return { ...base, _meta: meta };
}

/** Checks a `server/discover` result; the server's identity comes from the result's `_meta`. */
export function readDiscover(raw: JsonObject): DiscoverResult {
  const versions = raw.supportedVersions;
  if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'string')) {
    throw new ProtocolViolationError('server/discover result lacks supportedVersions (an array of strings)');
  }
  if (!isPlainObject(raw.capabilities)) throw new ProtocolViolationError('server/discover result lacks capabilities');
  const result: DiscoverResult = {
    supportedVersions: versions as string[],
    capabilities: raw.capabilities as ServerCapabilities,
  };
  if (typeof raw.instructions === 'string') result.instructions = raw.instructions;
  const info = isPlainObject(raw._meta) ? raw._meta[SERVER_INFO_KEY] : undefined;
  if (isPlainObject(info) && typeof info.name === 'string' && typeof info.version === 'string')
    result.serverInfo = info as unknown as Implementation;
  return result;
}

/** A result that asks for input before the request can be answered. */
export function asksForInput(
  result: JsonObject,
): { inputRequests: InputRequests; requestState: string | undefined } | undefined {
  if (result.resultType !== 'input_required') return undefined;
  const requests = result.inputRequests;
  if (requests !== undefined && !isPlainObject(requests))
    throw new ProtocolViolationError('input_required result: inputRequests must be an object');
  const state = result.requestState;
  if (state !== undefined && typeof state !== 'string')
    throw new ProtocolViolationError('input_required result: requestState must be a string');
  return { inputRequests: (requests ?? {}) as InputRequests, requestState: state };
}

/** How one question is answered: the client's handlers, as for the 2025 server-to-client requests. */
export type AnswerInput = (request: InputRequest, key: string) => Promise<unknown>;

/** The answers to every question of an input_required result, under the server's keys. */
async function answerInputRequests(requests: InputRequests, answer: AnswerInput): Promise<JsonObject> {
  const entries = await Promise.all(
    Object.entries(requests).map(async ([key, request]) => [key, await answer(request, key)] as const),
  );
  return Object.fromEntries(entries) as JsonObject;
}

/** How many times one request is retried with answers before the client gives up: a server asking forever is a bug. */
export const MAX_INPUT_ROUNDS = 16;

/**
 * server/discover with the client's revision in `_meta`. Undefined when 'auto' falls back
 * to initialize: the server answered with an error (a 2025 server knows no server/discover,
 * or wants initialize first) or does not offer the revision.
 */
export async function discover(
  peer: Peer,
  negotiation: Exclude<VersionNegotiation, 'legacy'>,
  clientCapabilities: ClientCapabilities,
  clientInfo: Implementation,
  options: RequestOptions | undefined,
): Promise<{ era: ModernEra; result: DiscoverResult } | undefined> {
  const era: ModernEra = {
    protocolVersion: negotiation === 'auto' ? '2026-07-28' : negotiation.pin,
    clientCapabilities,
    clientInfo,
    logLevel: undefined,
  };
  let raw: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      raw = await peer.request('server/discover', withModernMeta(undefined, era), options);
      break;
    } catch (error) {
      // -32022 lists what the server speaks (basic/versioning.mdx): a revision of ours there is
      // asked for again, once; a list without one is a 2025 server to 'auto'.
      const offered = attempt === 0 ? modernVersionIn(error) : undefined;
      if (offered !== undefined && (negotiation === 'auto' || negotiation.pin === offered)) {
        era.protocolVersion = offered;
        continue;
      }
      if (negotiation === 'auto' && error instanceof JsonRpcError) return undefined;
      throw error;
    }
  }
  const result = readDiscover(expectResult(raw, 'server/discover', {}));
  if (result.supportedVersions.includes(era.protocolVersion)) return { era, result };
  if (negotiation === 'auto') return undefined;
  throw new UnsupportedProtocolVersionError(result.supportedVersions.join(', '));
}

/** The first revision of ours in the `supported` list of an UnsupportedProtocolVersion (-32022) error. */
function modernVersionIn(error: unknown): ModernProtocolVersion | undefined {
  if (!(error instanceof JsonRpcError) || error.code !== -32022 || !isPlainObject(error.data)) return undefined;
  const supported = error.data.supported;
  return Array.isArray(supported) ? supported.find(isModernProtocolVersion) : undefined;
}

/**
 * A 2026-07-28 request: the era in `_meta`; a result that asks for input (multi round-trip)
 * is answered through `answer` and the request sent again with the answers and the
 * server's requestState, until the server answers in full.
 */
export async function requestModern(
  peer: Peer,
  era: ModernEra,
  method: string,
  params: object | undefined,
  options: RequestOptions | undefined,
  answer: AnswerInput,
): Promise<JsonObject> {
  let current = withModernMeta(params, era);
  for (let round = 0; ; round++) {
    const result = expectResult(await peer.request(method, current, options), method, {});
    const ask = asksForInput(result);
    if (ask === undefined) return result;
    if (round >= MAX_INPUT_ROUNDS)
      throw new ProtocolViolationError(`${method}: the server still asks for input after ${MAX_INPUT_ROUNDS} answers`);
    const { requestState: _previous, inputResponses: _answered, ...rest } = current;
    current = rest;
    // A round with no questions (only state, as a busy server sends) is retried without answers.
    if (Object.keys(ask.inputRequests).length > 0)
      current.inputResponses = await answerInputRequests(ask.inputRequests, answer);
    if (ask.requestState !== undefined) current.requestState = ask.requestState;
  }
}
