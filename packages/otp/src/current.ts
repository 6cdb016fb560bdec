import { NodeNotStartedError } from './errors';
// type cycle: node.ts sets `running.node` to itself, so this slot is typed as a Node; the edge is erased at compile time.
import type { Node } from './node';
import type { Process } from './process';

/**
 * The process whose callback is running right now. It is set only around the
 * synchronous part of a callback: once an async callback awaits, other
 * processes run, so code after an await must use its ctx. (AsyncLocalStorage
 * would carry it across awaits, but on Node 20 its promise hooks cost 1.5-2x
 * per call round trip: see the README.)
 */
export const running: { process: Process | null; node: Node | null } = { process: null, node: null };

export function currentNode(): Node {
  if (running.node === null) throw new NodeNotStartedError();
  return running.node;
}
