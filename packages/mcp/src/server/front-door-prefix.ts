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
