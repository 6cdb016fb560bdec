import type { Pid } from '@erlmcp/otp';
import { DistBadArgError, NotConnectedError } from './errors';
// type cycle: DistApi names NodeDirectory as what `directory()` returns, and a directory reads the API's global names: types only.
import type { GlobalNames } from './dist-api';

/** What a directory needs of its node (DistNode is one). */
export interface DirectoryHost {
  readonly name: string;
  readonly global: GlobalNames | null;
  nodes(): string[];
  onNodeEvent(listener: () => void): () => void;
}

/**
 * Where each node's process for one service is, through the global registry under
 * `<key>@<node>`: the NodeDirectory of @erlmcp/sharded-registry's NodeShards (shards on
 * several nodes), or any service that runs one process per node. A node that goes down
 * takes its entry with it (the global registry drops its names).
 */
export class NodeDirectory {
  constructor(
    private readonly host: DirectoryHost,
    readonly key: string,
  ) {
    if (host.global === null) throw new DistBadArgError('a node directory needs the global registry (global: true)');
  }

  get self(): string {
    return this.host.name;
  }

  /** The connected nodes' names and this one's. */
  members(): string[] {
    return [this.host.name, ...this.host.nodes()];
  }

  /** Node `node`'s process, once it published one. */
  router(node: string): Pid | undefined {
    return this.host.global!.whereisName(`${this.key}@${node}`);
  }

  /** Publishes this node's process; rejects if another live one holds the entry. */
  async publish(pid: Pid): Promise<void> {
    if (!(await this.host.global!.registerName(`${this.key}@${this.host.name}`, pid)))
      throw new NotConnectedError(`publish ${this.key}@${this.host.name}: another live process holds it`);
  }

  onChange(listener: () => void): () => void {
    return this.host.onNodeEvent(() => listener());
  }
}
