/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, not the message. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The headers a proxy passes on: all but the hop-by-hop ones, and none left undefined. Used
 * by the front door between its workers and by @erlmcp/distribution between nodes.
 */
export function endToEndHeaders<H extends Record<string, unknown>>(headers: H): H {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name) && value !== undefined) kept[name] = value;
  return kept as H;
}
