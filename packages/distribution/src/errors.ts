import { OtpError } from '@erlmcp/otp';

/** A node name no connected node carries. */
export class UnknownNodeError extends OtpError {
  constructor(readonly nodeName: string) {
    super('unknown_node', `no connected node is named ${nodeName}`);
    this.name = 'UnknownNodeError';
  }
}

/** This node is not connected to NATS (partitioned, or left): what needs the cluster cannot be done now. */
export class NotConnectedError extends OtpError {
  constructor(what: string) {
    super('noconnection', `${what}: this node is not connected to NATS`);
    this.name = 'NotConnectedError';
  }
}

/** Bad options or input to a distribution API. */
export class DistBadArgError extends OtpError {
  constructor(message: string) {
    super('badarg', message);
    this.name = 'DistBadArgError';
  }
}

/** No DistNode runs on this node (never joined, or it left): what needs the cluster cannot be done. */
export class NotDistributedError extends OtpError {
  constructor(what: string) {
    super('not_distributed', `${what}: this node has no DistNode (not joined, or it left)`);
    this.name = 'NotDistributedError';
  }
}
