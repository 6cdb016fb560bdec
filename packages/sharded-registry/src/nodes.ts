/**
 * Shards on several nodes. Each node runs its own ShardedRegistry (its tables, its shard
 * processes) and a router GenServer; a name's cluster shard (jump hash of the name over
 * `shards`) belongs to one live node, picked by rendezvous hashing over the nodes up now, so
 * a node that goes or comes moves only the shards it owned or takes. Lookups and writes for a
 * shard held here read and write the local tables; the others are calls to the owner's
 * router. The owner monitors every holder, of any node: a holder's exit, or its node going
 * down (`noconnection`), removes its names. The names the nodes that went down held for
 * others are gone with them; the node that registered a name keeps a claim on it while its
 * holder lives and registers it again on the shard's new owner.
 */
import { GenServer, Pid, awaitExit, currentPid, ok, reply, type ChildSpec, type ProcessContext } from '@erlmcp/otp';
import {
  DeadPidError,
  NameTakenError,
  NotOwnerError,
  NotRegisteredError,
  RegistryArgError,
  RegistryError,
} from './errors';
import { describe, keyOf, keyId, type Name } from './names';
import { hashString, jumpHash } from './placement';
import type { ShardedRegistry } from './registry';
import type { Registration } from './types';

/**
 * Where the other nodes are (a DistNode gives one: `dist.directory(key)` in
 * @erlmcp/distribution). Every node must see the same members to agree on owners; while
 * views differ (a node just went or came), a request may reach a node that no longer owns
 * the shard, which answers from its tables as they are.
 */
export interface NodeDirectory {
  /** This node's name. */
  readonly self: string;
  /** The names of the nodes up now, this one included. */
  members(): string[];
  /** The router of node `node`, once it published one. */
  router(node: string): Pid | undefined;
  /** Makes this node's router known to the others. */
  publish(router: Pid): Promise<void>;
  /** Calls `listener` when a node goes or comes; returns the removal. */
  onChange(listener: () => void): () => void;
}

export interface NodeShardsOptions {
  /** Cluster shards, placed on nodes (not the local registry's shard count). Default 64; every node must use one value. */
  shards?: number;
  /** How long a call to another node's router may take. Default 5000 ms. */
  timeout?: number;
}

type RouterCall =
  | { op: 'register'; name: Name; pid: Pid; meta: unknown }
  | { op: 'unregister'; name: Name; caller: Pid | null }
  | { op: 'whereis'; name: Name };

type RouterReply =
  { ok: Registration<unknown> | null } | { error: { code: string; message: string; holder?: Pid | undefined } };

/** An owner node's answer, turned back into the typed error it was there. */
function rethrow(name: Name, error: { code: string; message: string; holder?: Pid | undefined }): never {
  switch (error.code) {
    case 'ERR_REGISTRY_NAME_TAKEN':
      throw new NameTakenError(describe(name), error.holder);
    case 'ERR_REGISTRY_NOT_REGISTERED':
      throw new NotRegisteredError(describe(name));
    case 'ERR_REGISTRY_DEAD_PID':
      throw new DeadPidError(error.message);
    default:
      throw new RegistryError(error.code, error.message);
  }
}

function errorReply(error: unknown): RouterReply {
  if (error instanceof RegistryError)
    return {
      error: { code: error.code, message: error.message, holder: (error as { holder?: Pid }).holder },
    };
  return { error: { code: 'ERR_REGISTRY_REMOTE', message: (error as Error)?.message ?? String(error) } };
}

/**
 * A ShardedRegistry whose shards are spread over the nodes of a cluster. Put `childSpec()` in
 * each node's tree (after the local registry's own child spec); every node uses one
 * `shards` value.
 */
export class NodeShards<M = unknown> {
  private readonly shards: number;
  private readonly timeout: number;
  private owners: string[] = [];
  /** Names registered through this node for live processes, held on another node: registered again where their shard moves. */
  private readonly claims = new Map<string, { name: Name; pid: Pid; meta: M | undefined; owner: string }>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly local: ShardedRegistry<M>,
    readonly directory: NodeDirectory,
    options: NodeShardsOptions = {},
  ) {
    this.shards = options.shards ?? 64;
    this.timeout = options.timeout ?? 5000;
    if (!Number.isInteger(this.shards) || this.shards < 1 || this.shards > 65536)
      throw new RegistryArgError(`shards must be 1..65536, got ${String(options.shards)}`);
    this.place();
  }

  /** The node that holds `name`'s shard now. */
  ownerOf(name: Name): string {
    return this.owners[jumpHash(keyOf(name).hash, this.shards)]!;
  }

  /** The router: publishes itself, and follows membership (claims go to new owners, shards no longer ours are emptied). */
  childSpec(id = 'node-shards'): ChildSpec {
    return {
      id,
      start: () => GenServer.startLink(router, this as NodeShards<unknown>),
    };
  }

  /** Registers `name` for `pid` on the node that holds its shard. Rejects as ShardedRegistry.registerName does. */
  async registerName(name: Name, pid: Pid, meta?: M): Promise<void> {
    const owner = this.ownerOf(name);
    if (owner === this.directory.self) return this.local.registerName(name, pid, meta);
    const answer = await this.ask(owner, { op: 'register', name, pid, meta });
    if ('error' in answer) rethrow(name, answer.error);
    const key = keyId(keyOf(name).key);
    this.claims.set(key, { name, pid, meta, owner });
    void awaitExit(pid).then(() => {
      if (this.claims.get(key)?.pid.equals(pid) === true) this.claims.delete(key);
    });
  }

  /** Removes `name` on its owner (from a process, only its holder may, as locally). */
  async unregisterName(name: Name): Promise<void> {
    const owner = this.ownerOf(name);
    this.claims.delete(keyId(keyOf(name).key));
    if (owner === this.directory.self) return this.local.unregisterName(name);
    const answer = await this.ask(owner, { op: 'unregister', name, caller: currentPid() ?? null });
    if ('error' in answer) rethrow(name, answer.error);
  }

  /** Where `name` is: a table read when its shard is here, a call to its owner otherwise. */
  async whereis(name: Name): Promise<Registration<M> | undefined> {
    const owner = this.ownerOf(name);
    if (owner === this.directory.self) return this.local.whereis(name);
    const answer = await this.ask(owner, { op: 'whereis', name });
    if ('error' in answer) rethrow(name, answer.error);
    return (answer.ok ?? undefined) as Registration<M> | undefined;
  }

  private async ask(owner: string, request: RouterCall): Promise<RouterReply> {
    const router = this.directory.router(owner);
    if (router === undefined)
      return { error: { code: 'ERR_REGISTRY_NO_ROUTE', message: `node ${owner} has no registry router` } };
    return (await GenServer.call(router, request, this.timeout)) as RouterReply;
  }

  /** Rendezvous hashing: each cluster shard goes to the member with the highest hash of (shard, member). */
  private place(): void {
    const members = [...new Set([this.directory.self, ...this.directory.members()])].sort();
    const owners: string[] = [];
    for (let shard = 0; shard < this.shards; shard++) {
      let best = members[0]!;
      let bestHash = -1;
      for (const member of members) {
        const h = hashString(`${shard}@${member}`);
        if (h > bestHash) [best, bestHash] = [member, h];
      }
      owners.push(best);
    }
    this.owners = owners;
  }

  /** @internal The router started: follow membership from now on. */
  follow(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.directory.onChange(() => void this.moved());
  }

  /** @internal */
  unfollow(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Members changed: claims whose shard moved are registered on the new owner; rows of shards no longer here go. */
  private async moved(): Promise<void> {
    this.place();
    for (const [key, claim] of [...this.claims]) {
      const owner = this.ownerOf(claim.name);
      if (owner === claim.owner) continue;
      claim.owner = owner;
      try {
        if (owner === this.directory.self) await this.local.registerName(claim.name, claim.pid, claim.meta);
        else {
          const answer = await this.ask(owner, { op: 'register', name: claim.name, pid: claim.pid, meta: claim.meta });
          if ('error' in answer && answer.error.code !== 'ERR_REGISTRY_NAME_TAKEN') claim.owner = '';
        }
      } catch {
        claim.owner = ''; // tried again at the next change
        if (this.claims.get(key) !== claim) continue;
      }
    }
    for (const entry of this.local.list()) {
      if (this.ownerOf(entry.name as Name) === this.directory.self) continue;
      await asNode(() => this.local.unregisterName(entry.name as Name)).catch(() => undefined);
    }
  }

  /** @internal The router's half of a request from another node. */
  async serve(request: RouterCall): Promise<RouterReply> {
    try {
      switch (request.op) {
        case 'register':
          await this.local.registerName(request.name, request.pid, request.meta as M);
          return { ok: null };
        case 'unregister': {
          const held = this.local.whereis(request.name);
          if (held === undefined) throw new NotRegisteredError(describe(request.name));
          if (request.caller !== null && !held.pid.equals(request.caller))
            throw new NotOwnerError(describe(request.name), held.pid, request.caller);
          await asNode(() => this.local.unregisterName(request.name));
          return { ok: null };
        }
        case 'whereis':
          return { ok: (this.local.whereis(request.name) as Registration<unknown> | undefined) ?? null };
      }
    } catch (error) {
      return errorReply(error);
    }
  }
}

/**
 * Runs `write` as the node rather than as the calling process: past an await no process is
 * current, so an unregistration the router checked itself is not refused as the router's own.
 */
async function asNode<T>(write: () => Promise<T>): Promise<T> {
  await Promise.resolve();
  return write();
}

const router = GenServer.define({
  init: async (shards: NodeShards<unknown>, ctx: ProcessContext) => {
    await shards.directory.publish(ctx.self);
    shards.follow();
    return ok(shards);
  },
  handleCall: async (request: RouterCall, _from, shards: NodeShards<unknown>) =>
    reply(await shards.serve(request), shards),
  terminate: (_reason: unknown, shards: NodeShards<unknown>) => shards.unfollow(),
});
