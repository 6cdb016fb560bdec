import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidParamsError } from '../jsonrpc/errors';
import { DefinitionError } from '../protocol/errors';

/**
 * The key shared by the workers of a front door (`startFrontDoor` of @erlmcp/mcp/hosting puts
 * it in their environment), so that any of them verifies what another signed.
 */
function frontDoorKey(): Buffer | undefined {
  const key = process.env.ERLMCP_FRONT_DOOR_KEY;
  return key === undefined ? undefined : Buffer.from(key, 'base64');
}

/** Options of a definition's `requestState` protection. */
export interface RequestStateOptions {
  /**
   * The HMAC-SHA256 key, at least 32 bytes. Default: in a worker of a front door, the key its
   * workers share; elsewhere 32 random bytes per definition, so state signed by one server
   * process is refused by another: give every process of a cluster of your own the same key.
   */
  key?: Uint8Array;
  /** How long a signed state stays valid, in ms. Default 10 minutes. */
  ttlMs?: number;
}

/**
 * Signs and checks the `requestState` of multi round-trip requests. basic/patterns/mrtr.mdx
 * says the state is attacker-controlled input: it carries an expiry and the request it was
 * made for (method, name and a digest of the arguments), under an HMAC, and anything that
 * fails verification is -32602.
 *
 * Token: base64url(JSON { b: binding, e: expiry ms, s: state }) "." base64url(HMAC).
 */
export class RequestStateSigner {
  private readonly key: Buffer;
  readonly ttlMs: number;

  constructor(options: RequestStateOptions = {}) {
    if (options.key !== undefined && options.key.byteLength < 32)
      throw new DefinitionError('requestState.key must be at least 32 bytes');
    this.key = options.key === undefined ? (frontDoorKey() ?? randomBytes(32)) : Buffer.from(options.key);
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    if (!(this.ttlMs > 0) || !Number.isSafeInteger(this.ttlMs))
      throw new DefinitionError('requestState.ttlMs must be a positive integer');
  }

  sign(binding: string, state: unknown, now = Date.now()): string {
    const payload = Buffer.from(JSON.stringify({ b: binding, e: now + this.ttlMs, s: state ?? null })).toString(
      'base64url',
    );
    return `${payload}.${this.mac(payload)}`;
  }

  /** The state given to {@link sign}, if `token` is this server's, unexpired, and made for `binding`. */
  verify(binding: string, token: string, now = Date.now()): unknown {
    const dot = token.indexOf('.');
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(payload), 'base64url');
    if (dot < 0 || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw invalid('it was not issued by this server or was altered');
    let decoded: { b?: unknown; e?: unknown; s?: unknown };
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof decoded;
    } catch {
      throw invalid('it cannot be read');
    }
    if (typeof decoded.e !== 'number' || decoded.e <= now) throw invalid('it has expired');
    if (decoded.b !== binding) throw invalid('it was issued for another request');
    return decoded.s;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

function invalid(why: string): InvalidParamsError {
  return new InvalidParamsError(`requestState refused: ${why}`);
}

/** JSON with object keys sorted, so that the same arguments give the same digest however ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
