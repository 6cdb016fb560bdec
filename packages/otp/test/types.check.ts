/**
 * Compile-time tests: `npm test` type-checks this file (tsc -p tsconfig.test.json).
 * Each @ts-expect-error line must be an error, so the types really flow from a
 * GenServer's definition to its callers.
 */
import { GenServer, noreply, ok, reply } from '@erlmcp/otp';

const counter = GenServer.define({
  init: (n: number) => ok(n),
  handleCall: (_req: { op: 'get' }, _from, n: number) => reply(String(n), n),
  handleCast: (_msg: 'inc', n: number) => noreply(n + 1),
});

export async function typeFlow(): Promise<unknown[]> {
  const pid = await GenServer.start(counter, 1);
  const text: string = await GenServer.call(pid, { op: 'get' });
  // @ts-expect-error the reply is a string
  const wrong: number = await GenServer.call(pid, { op: 'get' });
  // @ts-expect-error not a request this server handles
  await GenServer.call(pid, { op: 'nope' });
  GenServer.cast(pid, 'inc');
  // @ts-expect-error not a cast this server handles
  GenServer.cast(pid, 'dec');
  // @ts-expect-error init takes a number
  await GenServer.start(counter, 'one');
  const named = GenServer.ref(counter, 'counter');
  const viaName: string = await GenServer.call(named, { op: 'get' });
  // An untyped name accepts anything and replies unknown.
  const untyped: unknown = await GenServer.call('anything', 42);
  return [text, wrong, viaName, untyped];
}
