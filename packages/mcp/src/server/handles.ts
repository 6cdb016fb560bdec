import { createHash, randomBytes } from 'node:crypto';
import { InvalidParamsError } from '../jsonrpc/errors';
import { DefinitionError } from '../protocol/errors';
import { checkedIdPrefix, frontDoorPrefix } from './front-door-prefix';

// Server-minted handles (2026-07-28 changelog, major change 1, SEP-2567; basic/index.mdx,
// "Statelessness"): state that must span requests is referenced by an explicit identifier the
// client passes on each request, as an ordinary tool argument. A handle is a bearer reference
// to server state, so it is unguessable (128 random bits) and bound to the principal that
// minted it: presented by anyone else it does not exist. In a front-door worker a handle
// names the worker that holds it (`mcph_<index>.`), and a tool argument annotated with
// `x-mcp-header` carries it in an `Mcp-Param-*` header, which the front door routes by.

/** Options of a definition's handle store. */
export interface HandleStoreOptions {
  /** How long a handle lives after it is minted or last written, ms. Default 30 minutes. */
  ttlMs?: number;
  /** Live handles one principal may hold; minting past it drops that principal's oldest. Default 1000. */
  maxPerClient?: number;
  /**
   * Live handles of all principals together; minting past it drops the oldest of anyone's, so
   * that many principals (say, random Authorization headers) cannot grow the store. Default 100,000.
   */
  maxHandles?: number;
}

/** What a handler can do with handles, bound to the principal of its request. */
export interface HandleScope {
  /** Mints a handle for `value`, to be given to the client (in a tool result) and passed back as an argument. */
  create(value: unknown, options?: { ttlMs?: number }): string;
  /**
   * The value of a handle this principal minted. An unknown, expired, altered or foreign
   * handle is -32602 (Invalid params), the same error for each: nothing tells a caller that a
   * handle exists for someone else.
   */
  get<T = unknown>(handle: string): T;
  /** Replaces a handle's value (and renews its lifetime); the same errors as {@link get}. */
  set(handle: string, value: unknown): void;
  /** Forgets a handle; false when this principal holds no such handle. */
  delete(handle: string): boolean;
}

interface Entry {
  readonly principal: string;
  value: unknown;
  expiresAt: number;
  readonly ttlMs: number;
}

const PREFIX = 'mcph_';
/** 16 random bytes: 128 bits, base64url; in a front-door worker after its index (`mcph_1.…`), in a cluster its node's. */
const HANDLE = /^mcph_(?:[0-9a-z]{1,13}\.)?[A-Za-z0-9_-]{22}$/;

/**
 * The principal a request acts for, as a handle or task key: a SHA-256 of what authenticates
 * it. Exported for transports: HTTP passes its `Authorization` header here.
 */
export function principalOf(credential: string): string {
  return `auth:${createHash('sha256').update(credential).digest('base64url')}`;
}

/** Handles of one definition, in memory: a process restart, or another process, does not know them. */
export class HandleStore {
  private prefix = PREFIX + frontDoorPrefix();
  private readonly entries = new Map<string, Entry>();
  /** Per principal, its handles in minting order (oldest first), for the per-client bound. */
  private readonly byPrincipal = new Map<string, Set<string>>();
  readonly ttlMs: number;
  readonly maxPerClient: number;
  readonly maxHandles: number;

  constructor(options: HandleStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30 * 60_000;
    this.maxPerClient = options.maxPerClient ?? 1000;
    this.maxHandles = options.maxHandles ?? 100_000;
    if (!Number.isSafeInteger(this.maxHandles) || this.maxHandles <= 0)
      throw new DefinitionError('handles.maxHandles must be a positive integer');
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs <= 0)
      throw new DefinitionError('handles.ttlMs must be a positive integer');
    if (!Number.isSafeInteger(this.maxPerClient) || this.maxPerClient <= 0)
      throw new DefinitionError('handles.maxPerClient must be a positive integer');
  }

  /** Handles minted from now on start with `mcph_` and `prefix` (`<owner>.`): a host across machines routes by it. */
  setIdPrefix(prefix: string): void {
    this.prefix = PREFIX + checkedIdPrefix(prefix);
  }

  /** Live handles, all principals (expired ones are counted until something touches them). */
  get size(): number {
    return this.entries.size;
  }

  scope(principal: string): HandleScope {
    return {
      create: (value, options) => this.mint(principal, value, options?.ttlMs),
      get: <T>(handle: string) => this.resolve(principal, handle).value as T,
      set: (handle, value) => {
        const entry = this.resolve(principal, handle);
        entry.value = value;
        entry.expiresAt = Date.now() + entry.ttlMs;
      },
      delete: (handle) => {
        const entry = this.lookup(principal, handle);
        if (entry === undefined) return false;
        this.drop(handle, entry);
        return true;
      },
    };
  }

  mint(principal: string, value: unknown, ttlMs = this.ttlMs, now = Date.now()): string {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError('a handle ttlMs must be a positive integer');
    let owned = this.byPrincipal.get(principal);
    if (owned === undefined) this.byPrincipal.set(principal, (owned = new Set()));
    // Expired first, then the oldest: one client cannot grow the store past its share.
    for (const handle of owned) {
      const entry = this.entries.get(handle)!;
      if (entry.expiresAt <= now) this.drop(handle, entry);
    }
    while (owned.size >= this.maxPerClient) {
      const oldest = owned.values().next().value as string;
      this.drop(oldest, this.entries.get(oldest)!);
    }
    while (this.entries.size >= this.maxHandles) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldest, entry);
    }
    const handle = this.prefix + randomBytes(16).toString('base64url');
    this.entries.set(handle, { principal, value, expiresAt: now + ttlMs, ttlMs });
    // drop() forgets a principal whose set empties: register the set again.
    this.byPrincipal.set(principal, owned.add(handle));
    return handle;
  }

  /** Drops every handle of `principal` (a session that ended: its principal cannot come back). */
  forget(principal: string): void {
    for (const handle of [...(this.byPrincipal.get(principal) ?? [])]) this.drop(handle, this.entries.get(handle)!);
  }

  private resolve(principal: string, handle: unknown): Entry {
    const entry = this.lookup(principal, handle);
    if (entry === undefined) throw new InvalidParamsError('Unknown or expired handle', { data: { reason: 'handle' } });
    return entry;
  }

  private lookup(principal: string, handle: unknown, now = Date.now()): Entry | undefined {
    if (typeof handle !== 'string' || !HANDLE.test(handle)) return undefined;
    const entry = this.entries.get(handle);
    if (entry === undefined || entry.principal !== principal) return undefined;
    if (entry.expiresAt <= now) {
      this.drop(handle, entry);
      return undefined;
    }
    return entry;
  }

  private drop(handle: string, entry: Entry): void {
    this.entries.delete(handle);
    const owned = this.byPrincipal.get(entry.principal);
    owned?.delete(handle);
    if (owned?.size === 0) this.byPrincipal.delete(entry.principal);
  }
}
