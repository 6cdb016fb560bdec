import { Pid } from '@erlmcp/otp';

/**
 * A session id issued by a node of a cluster starts with its owner: the node's number and its
 * forwarder's process id, in base 36, `<node>-<pid>.`. Any node reads the owner from the id
 * alone, with no lookup per request and no race with a registry update; and since a node's
 * number is fresh per run (as Erlang's creation), a restarted node never claims an old session.
 */
export function ownerPrefix(forwarder: Pid): string {
  return `${forwarder.node.toString(36)}-${forwarder.id.toString(36)}.`;
}

const PREFIX = /^([0-9a-z]{1,7})-([0-9a-z]{1,11})\./;

/** The forwarder that owns a session id, or undefined for an id no node of a cluster issued. */
export function ownerOf(sessionId: string): Pid | undefined {
  const match = PREFIX.exec(sessionId);
  if (match === null) return undefined;
  const node = parseInt(match[1]!, 36);
  const id = parseInt(match[2]!, 36);
  return Number.isSafeInteger(node) && Number.isSafeInteger(id) && node > 0 ? new Pid(node, id) : undefined;
}
