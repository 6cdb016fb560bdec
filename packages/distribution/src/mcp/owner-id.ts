export { ownedBy, type OwnedBy } from '@erlmcp/mcp/hosting';

/**
 * What a node of a cluster mints starts with its node number in base 36 and a dot: session
 * ids (`<node>.…`), 2026-07-28 task ids (`<node>.…`) and handles (`mcph_<node>.…`), as a
 * front door's workers put their index there. Any node reads the owner from the id alone; a
 * node's number is fresh per run (as Erlang's creation), so a restarted node, under the same
 * name, never claims what its previous run made.
 */
export function ownerPrefix(node: number): string {
  return `${node.toString(36)}.`;
}

const PREFIX = /^([0-9a-z]{1,7})\./;

/** The node number an id names, or undefined for an id no node of a cluster made. */
export function ownerNodeOf(id: string): number | undefined {
  const match = PREFIX.exec(id);
  if (match === null) return undefined;
  const node = parseInt(match[1]!, 36);
  return Number.isSafeInteger(node) && node > 0 ? node : undefined;
}
