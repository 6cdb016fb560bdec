import { Kvm, type KV, type KvEntry, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import { awaitExit, exit, Pid, type NameService } from '@erlmcp/otp';
import type { GlobalNames } from './dist-api';
import { DistBadArgError } from './errors';

/** The reason a process that held a global name gets when another holder won it (as Erlang's global conflict resolution). */
export interface GlobalNameConflict {
  global_name_conflict: string;
}

/** What the registry needs of its node (DistNode is one): kept here so the two files import one way. */
export interface RegistryHost {
  readonly prefix: string;
  readonly node: { readonly id: number };
  /** True while this node's NATS connection is up. */
  readonly connected: boolean;
  isReachable(pid: Pid): boolean;
  /** Throws NotConnectedError when off NATS. */
  requireConnected(what: string): unknown;
  onNodeEvent(listener: (event: { kind: 'nodeup' | 'nodedown'; id: number }) => void): () => void;
}

interface Holder {
  pid: Pid;
  revision: number;
}

/** The node's copy of the bucket: tells `onChange` when a name's holder changes (the worker schedulers' copies follow it). */
class Holders extends Map<string, Holder> {
  readonly listeners = new Set<(name: string, pid: Pid | undefined) => void>();

  override set(name: string, holder: Holder): this {
    const before = super.get(name);
    super.set(name, holder);
    if (before === undefined || !before.pid.equals(holder.pid)) this.emit(name, holder.pid);
    return this;
  }

  override delete(name: string): boolean {
    const had = super.delete(name);
    if (had) this.emit(name, undefined);
    return had;
  }

  private emit(name: string, pid: Pid | undefined): void {
    for (const listener of this.listeners) listener(name, pid);
  }
}

interface Stored {
  node: number;
  id: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** KV keys allow [-/_=.a-zA-Z0-9]: a name is stored base64url-encoded, so any string can be a name. */
function keyOf(name: string): string {
  return `n.${Buffer.from(name, 'utf8').toString('base64url') || '='}`;
}

function nameOf(key: string): string {
  const body = key.slice(2);
  return body === '=' ? '' : Buffer.from(body, 'base64url').toString('utf8');
}

function decode(bytes: Uint8Array): Stored | undefined {
  try {
    const value = JSON.parse(utf8Decoder.decode(bytes)) as Partial<Stored>;
    return typeof value.node === 'number' && typeof value.id === 'number'
      ? { node: value.node, id: value.id }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Erlang's `global`: names for processes of any node, held in a JetStream KV bucket
 * (`<cluster>-global`). Registration is a compare-and-set on the bucket, so of two nodes
 * registering one name at once exactly one wins. Every node keeps a copy fed by a watch of
 * the bucket, so `whereisName` answers without a round trip and `via(global, name)` works
 * with GenServer.call/cast. A name is dropped when its process exits, or when its node goes
 * down (every surviving node tries; the compare-and-set lets one do it). When a partition
 * heals and a name turns out held by another process, the local holder that lost gets an
 * exit signal `{ global_name_conflict: name }`.
 */
export class GlobalRegistry implements NameService<string>, GlobalNames {
  private readonly cache = new Holders();
  /** Names this node registered for its own processes, and the revision it wrote. */
  private readonly owned = new Map<string, Holder>();
  private watcher: QueuedIterator<KvWatchEntry> | null = null;
  private unsubscribe: (() => void) | null = null;

  private constructor(
    private readonly dist: RegistryHost,
    private kv: KV,
  ) {}

  /** @internal Opens (or creates) the bucket and starts watching it; resolves once the current names are loaded. */
  static async open(dist: RegistryHost, nc: NatsConnection): Promise<GlobalRegistry> {
    const kv = await new Kvm(nc).create(`${dist.prefix}-global`, { history: 1 });
    const registry = new GlobalRegistry(dist, kv);
    await registry.watch();
    registry.unsubscribe = dist.onNodeEvent((event) => {
      if (event.kind === 'nodedown') void registry.dropNode(event.id);
    });
    return registry;
  }

  /** @internal After a reconnect: a fresh bucket handle on the new connection, and a reload. */
  async reopen(nc: NatsConnection): Promise<void> {
    this.watcher?.stop();
    this.kv = await new Kvm(nc).create(`${this.dist.prefix}-global`, { history: 1 });
    await this.watch();
  }

  /** @internal */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.watcher?.stop();
    this.watcher = null;
  }

  /** global:register_name/2: true when `pid` now holds `name`, false when another live process holds it. */
  async registerName(name: string, pid: Pid): Promise<boolean> {
    if (typeof name !== 'string') throw new DistBadArgError(`a global name is a string: ${String(name)}`);
    if (!(pid instanceof Pid)) throw new DistBadArgError(`register ${name}: not a pid: ${String(pid)}`);
    this.dist.requireConnected(`register ${name}`);
    const key = keyOf(name);
    const value = utf8.encode(JSON.stringify({ node: pid.node, id: pid.id } satisfies Stored));
    let revision: number;
    try {
      revision = await this.kv.create(key, value);
    } catch {
      // Taken: it may be a leftover of a process or node that is gone; take it over by compare-and-set.
      const entry = await this.kv.get(key);
      const current = entry === null || entry.operation !== 'PUT' ? undefined : decode(entry.value);
      if (entry === null || (current !== undefined && (await this.isAlive(new Pid(current.node, current.id)))))
        return false;
      try {
        revision = await this.kv.update(key, value, entry.revision);
      } catch {
        return false;
      }
    }
    this.cache.set(name, { pid, revision });
    this.guard(name, pid, revision);
    return true;
  }

  /** global:unregister_name/1 (a name this node did not register for a live process is left alone unless it is stale). */
  async unregisterName(name: string): Promise<void> {
    const holder = this.owned.get(name) ?? this.cache.get(name);
    if (holder === undefined) return;
    this.owned.delete(name);
    // Our own delete: this copy need not wait for the watch to say so.
    if ((await this.drop(name, holder.revision)) && this.cache.get(name)?.revision === holder.revision)
      this.cache.delete(name);
  }

  /** global:whereis_name/1, from this node's copy of the bucket. */
  whereisName(name: string): Pid | undefined {
    return this.cache.get(name)?.pid;
  }

  /** global:registered_names/0. */
  registeredNames(): string[] {
    return [...this.cache.keys()];
  }

  /** @internal Calls `listener` whenever this node's copy says a name's holder changed (undefined: the name went). */
  onChange(listener: (name: string, pid: Pid | undefined) => void): () => void {
    this.cache.listeners.add(listener);
    return () => this.cache.listeners.delete(listener);
  }

  /** Watches the holder of a name: its exit drops the name (if the name still is its). */
  private guard(name: string, pid: Pid, revision: number): void {
    if (pid.node === this.dist.node.id) this.owned.set(name, { pid, revision });
    void awaitExit(pid).then(() => {
      const holder = this.cache.get(name);
      if (this.owned.get(name)?.pid.equals(pid) === true) this.owned.delete(name);
      if (holder !== undefined && holder.pid.equals(pid)) void this.drop(name, holder.revision);
    });
  }

  private async isAlive(pid: Pid): Promise<boolean> {
    if (!this.dist.isReachable(pid)) return false;
    // A watch answers at once for a dead process here, or after one round trip for another node's.
    return await new Promise<boolean>((resolve) => {
      let settled = false;
      void awaitExit(pid).then(() => {
        settled = true;
        resolve(false);
      });
      setTimeout(() => {
        if (!settled) resolve(true);
      }, 200);
    });
  }

  /** Deletes `name` if it still has `revision` (someone else may have won it meanwhile). */
  private async drop(name: string, revision: number): Promise<boolean> {
    try {
      await this.kv.delete(keyOf(name), { previousSeq: revision });
      return true;
    } catch {
      // Changed since, or no connection: whoever holds it now keeps it; a node down is cleaned by the others.
      return false;
    }
  }

  /** Node `id` went down: drop the names its processes held (every node tries, one succeeds). */
  private async dropNode(id: number): Promise<void> {
    // Cut off ourselves, we cannot tell who is gone: the nodes still connected do the cleaning.
    if (!this.dist.connected) return;
    const stale = [...this.cache].filter(([, h]) => h.pid.node === id);
    await Promise.all(stale.map(([name, h]) => this.drop(name, h.revision)));
  }

  private async watch(): Promise<void> {
    const iterator = await this.kv.watch({ key: 'n.>' });
    this.watcher = iterator;
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    // The initial values end when `delta` is 0 (the watch is caught up), or at once for an empty bucket.
    const fresh = new Map<string, Holder>();
    let initial = true;
    const finishInitial = () => {
      if (!initial) return;
      initial = false;
      this.replace(fresh);
      loaded();
    };
    void (async () => {
      for await (const entry of iterator) {
        if (initial) {
          this.apply(entry, fresh);
          if (entry.delta === 0) finishInitial();
        } else this.apply(entry, this.cache);
      }
    })();
    const pending = await this.kv.status();
    if (pending.values === 0) finishInitial();
    await ready;
  }

  private apply(entry: KvEntry, into: Map<string, Holder>): void {
    const name = nameOf(entry.key);
    const stored = entry.operation === 'PUT' ? decode(entry.value) : undefined;
    if (stored === undefined) {
      into.delete(name);
      if (into === this.cache) this.lostOwned(name, undefined);
      return;
    }
    const pid = new Pid(stored.node, stored.id);
    into.set(name, { pid, revision: entry.revision });
    if (into === this.cache) this.lostOwned(name, pid);
  }

  /** The bucket moved on after a reload: apply every difference. */
  private replace(fresh: Map<string, Holder>): void {
    for (const name of [...this.cache.keys()]) if (!fresh.has(name)) this.cache.delete(name);
    for (const [name, holder] of fresh) this.cache.set(name, holder);
    for (const name of [...this.owned.keys()]) this.lostOwned(name, fresh.get(name)?.pid);
  }

  /**
   * A name this node's process held is now someone else's (or nobody's, after a partition in
   * which the others dropped it). Nobody's: it is registered again; another's: the local holder
   * lost the conflict and gets an exit signal.
   */
  private lostOwned(name: string, holder: Pid | undefined): void {
    const mine = this.owned.get(name);
    if (mine === undefined || (holder !== undefined && holder.equals(mine.pid))) return;
    this.owned.delete(name);
    if (holder === undefined) {
      void this.registerName(name, mine.pid).catch(() => undefined);
      return;
    }
    exit(mine.pid, { global_name_conflict: name } satisfies GlobalNameConflict);
  }
}
