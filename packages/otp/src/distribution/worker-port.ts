import type { ClusterService } from '../cluster-service';
import type { Node } from '../node';
import { DistributionPort } from './port';
import { toGateway, type DistControl } from './relay';

// The ring records of distribution on a multi-scheduler node (cluster/record-handlers.ts calls
// these): a worker scheduler's port sends its frames through scheduler 0, which owns the transport.

/** On scheduler 0: a worker's frame for node `to`. */
export function relayOut(node: Node, to: number, frame: Uint8Array): void {
  if (node.dist instanceof DistributionPort) node.dist.relayOut(to, frame);
}

/** On a worker: a frame from another node, relayed by scheduler 0. */
export function relayIn(node: Node, frame: Uint8Array): void {
  if (node.dist instanceof DistributionPort) node.dist.receive(frame);
}

/** On a worker: what scheduler 0 says of the cluster; `attach` installs this scheduler's port. */
export function applyControl(node: Node, peer: Pick<ClusterService, 'record'>, control: DistControl): void {
  if (control.kind === 'attach' && !(node.dist instanceof DistributionPort))
    DistributionPort.attach(node, { send: (to, frame) => toGateway(peer, to, frame) });
  if (node.dist instanceof DistributionPort) node.dist.control(control);
}
