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
  constructor(
    private readonly dist: DistNode,
    private readonly global: GlobalRegistry,
  ) {}

  /** The forwarder now; 'gone' when its node is not connected; undefined while the registry's copy does not name it. */
  find(node: number): Pid | 'gone' | undefined {
    const name = this.dist.nodeName(node);
    if (name === undefined) return 'gone';
    const pid = this.global.whereisName(forwarderName(name));
    if (pid === undefined || pid.node !== node) return undefined;
    return pid;
  }

  /**
   * As {@link find}, waiting (bounded) while the node is connected but the copy does not name
   * its forwarder yet: a node that just started, whose registration the watch is bringing.
   */
  async resolve(node: number, deadline = Date.now() + REGISTRY_WAIT_MS): Promise<Pid | undefined> {
    for (;;) {
      const found = this.find(node);
      if (found === 'gone') return undefined;
      if (found !== undefined) return found;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
