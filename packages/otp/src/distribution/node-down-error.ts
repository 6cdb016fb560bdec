import { CallExitError } from '../errors';

/** A call or a request to a node that is not connected, or that went down before answering. */
export class NodeDownError extends CallExitError {
  constructor(
    target: string,
    readonly node: number,
  ) {
    super(target, 'noconnection');
    this.name = 'NodeDownError';
  }
}
