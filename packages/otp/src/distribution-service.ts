import type { ClusterService } from './cluster-service';
import type { Process } from './process';
import type { ExitReason } from './reason';

/**
 * The route to processes of other nodes (pids whose node is not this one's): the subset of
 * the cluster's operations that name their target pid, plus the exit hook. A distribution
 * (distribution/port.ts, driven by a transport such as @erlmcp/distribution over NATS) installs
 * itself with `Node.joinDistribution`; without one, a pid of another node routes nowhere
 * and sends to it are dropped, as before.
 */
export interface DistributionService extends Pick<
  ClusterService,
  'send' | 'call' | 'stop' | 'link' | 'unlink' | 'exit' | 'monitor' | 'demonitor' | 'watch' | 'named' | 'isAlive'
> {
  /** A local process ended: tell the nodes that link to it or monitor it. */
  onExit(process: Process, reason: ExitReason): void;
}
