import type { Pid } from '@erlmcp/otp';
import type { DistNode } from '../dist-node';
import type { GlobalRegistry } from '../global';

/** The global name of a node's forwarder: one per node, registered when it starts serving. */
export function forwarderName(node: string): string {
  return `mcp_forwarder:${node}`;
}

/** How long a request waits for this node's copy of the registry to learn of a new node's forwarder. */
const REGISTRY_WAIT_MS = 5_000;
const POLL_MS = 20;

/**
 * Finds the forwarder of the node an id names through the global registry: the id gives the
 * node's number, the number its name (while it is connected), the name its forwarder
 * (`mcp_forwarder:<node>`). `whereisName` reads this node's copy of the registry, which the
 * bucket's watch keeps current (a registration, a node's names dropped when it goes down):
 * no round trip per request. A forwarder is accepted only on the node the id names, so a
 * restarted node (same name, new number) never gets its previous run's sessions.
 */
export class ForwarderLookup {
  /** When each node was last seen coming up: only a node that came up lately may have a registration on its way. */
  private readonly upAt = new Map<number, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly dist: DistNode,
    private readonly global: GlobalRegistry,
  ) {
    const now = Date.now();
    for (const name of dist.nodes()) this.upAt.set(dist.nodeId(name), now);
    this.unsubscribe = dist.onNodeEvent((event) => {
      if (event.kind === 'nodeup') this.upAt.set(event.id, Date.now());
      else this.upAt.delete(event.id);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** The forwarder now; 'gone' when its node is not connected; undefined while the registry's copy does not name it. */
  find(node: number): Pid | 'gone' | undefined {
    const name = this.dist.nodeName(node);
    if (name === undefined) return 'gone';
    const pid = this.global.whereisName(forwarderName(name));
    if (pid === undefined || pid.node !== node) return undefined;
    return pid;
  }

  /**
   * As {@link find}, waiting while the node is connected but the copy does not name its
   * forwarder yet, if it came up less than 5 s ago (its registration may be on its way in the
   * watch); a node connected for longer without one serves no MCP: no wait.
   */
  async resolve(node: number): Promise<Pid | undefined> {
    const deadline = (this.upAt.get(node) ?? 0) + REGISTRY_WAIT_MS;
    for (;;) {
      const found = this.find(node);
      if (found === 'gone') return undefined;
      if (found !== undefined) return found;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
