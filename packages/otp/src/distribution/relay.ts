import type { ClusterService } from '../cluster-service';
import { Op } from '../cluster/wire';
import type { ExitReason } from '../reason';

/** What scheduler 0 of a distributed multi-scheduler node tells its worker schedulers' ports. */
export type DistControl =
  /** Install a port (a replacement scheduler gets one too), with the nodes up now. */
  | { kind: 'attach'; nodes: number[] }
  | { kind: 'up'; node: number }
  | { kind: 'down'; node: number; reason: ExitReason }
  /** Scheduler `scheduler` of node `node` died, and its processes with it. */
  | { kind: 'scheduler_gone'; node: number; scheduler: number }
  | { kind: 'detach'; reason: ExitReason }
  /** For the transport's own API on the worker (@erlmcp/distribution's WorkerDist): applied as the ring is read, in order. */
  | { kind: 'note'; note: unknown };

/**
 * Scheduler 0 to worker scheduler k, through its ring: a frame from another node (DistIn), or
 * a DistControl. The ring keeps their order, so a worker never applies a frame from a node
 * before it heard that node is up, nor after it heard it went down.
 */
export function toWorkers(peer: Pick<ClusterService, 'record'>, k: number, what: Uint8Array | DistControl): void {
  peer.record(k, (w) => {
    w.op(what instanceof Uint8Array ? Op.DistIn : Op.DistControl);
    w.value(what);
  });
}

/** A worker's frame for node `to`, to scheduler 0, which publishes it (DistOut). */
export function toGateway(peer: Pick<ClusterService, 'record'>, to: number, frame: Uint8Array): void {
  peer.record(0, (w) => {
    w.op(Op.DistOut);
    w.id(to);
    w.value(frame);
  });
}
