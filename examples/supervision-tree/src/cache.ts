import { GenServer, noreply, ok, reply } from '@erlmcp/otp';

export type CacheCall = { get: string };
export type CacheCast = { put: string; value: string };

/** A key-value cache owned by one process. */
export const cache = GenServer.define({
  name: 'cache',
  init: () => ok(new Map<string, string>()),
  handleCall: (req: CacheCall, _from, map: Map<string, string>) => reply(map.get(req.get), map),
  handleCast: (msg: CacheCast, map: Map<string, string>) => noreply(map.set(msg.put, msg.value)),
});
