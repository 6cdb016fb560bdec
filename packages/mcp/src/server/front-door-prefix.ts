import { DefinitionError } from '../protocol/errors';

/**
 * In a worker of a front door (node:cluster; `startFrontDoor` of @erlmcp/mcp/hosting puts
 * its place in the environment), `<index>.`; '' anywhere else. Task ids and handles made in
 * a worker start with it, so that any worker can tell which one holds their state and
 * forward a request for it there (the server does not import hosting: it reads the
 * environment variable hosting sets).
 */
export function frontDoorPrefix(): string {
  const env = process.env.ERLMCP_FRONT_DOOR;
  if (env === undefined) return '';
  try {
    const index = (JSON.parse(env) as { index?: unknown }).index;
    return Number.isSafeInteger(index) && (index as number) >= 0 ? `${index as number}.` : '';
  } catch {
    return '';
  }
}

/**
 * An owner prefix a host sets on a definition's task and handle stores (`setIdPrefix`): a
 * cluster node's name for itself (`@erlmcp/distribution/mcp` uses its node number in base 36),
 * so that any node can route a task id or a handle to the one that holds it, as a front door does.
 */
export function checkedIdPrefix(prefix: string): string {
  if (prefix !== '' && !/^[0-9a-z]{1,13}\.$/.test(prefix))
    throw new DefinitionError(`an id prefix is 1-13 of [0-9a-z] and a dot: ${JSON.stringify(prefix)}`);
  return prefix;
}
