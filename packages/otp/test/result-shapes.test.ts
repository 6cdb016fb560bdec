/**
 * The builders return one class of result (so the server loop's reads stay monomorphic), but a
 * callback may still return a result it built itself, or a thenable of one: the loop accepts
 * every form alike, and a definition's callbacks still run with the definition as `this`.
 */
import { GenServer, noreply, ok, reply, replyAndStop, stop, type CallResult, type Node } from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

test('builders with and without what follows the state read as the same plain fields', () => {
  expect(reply(1, 's')).toEqual({ kind: 'reply', reply: 1, state: 's' });
  expect(reply(1, 's', 50)).toMatchObject({ kind: 'reply', reply: 1, state: 's', timeout: 50 });
  expect(noreply('s')).toEqual({ kind: 'noreply', state: 's' });
  expect(ok('s')).toEqual({ kind: 'ok', state: 's' });
  expect(stop('normal', 's')).toMatchObject({ kind: 'stop', reason: 'normal', state: 's', hasReply: false });
  expect(replyAndStop('normal', 2, 's')).toMatchObject({
    kind: 'stop',
    reason: 'normal',
    state: 's',
    hasReply: true,
    reply: 2,
  });
});

type Req = 'builder' | 'literal' | 'thenable' | 'self';

const mixed = GenServer.define({
  name: 'mixed results',
  init: () => ({ kind: 'ok' as const, state: 0 }),
  handleCall(
    req: Req,
    _from,
    n: number,
  ): CallResult<number, string | number> | Promise<CallResult<number, string | number>> {
    if (req === 'builder') return reply(n + 1, n + 1);
    if (req === 'literal') return { kind: 'reply', reply: n + 10, state: n + 10 };
    if (req === 'self') return reply((this as unknown as { name: string }).name, n);
    // A thenable that is not a native promise (as plain JavaScript may return): awaited like one.
    const thenable = { then: (resolve: (r: CallResult<number, number>) => void) => resolve(reply(n + 100, n + 100)) };
    return thenable as unknown as Promise<CallResult<number, number>>;
  },
});

test('a server answers builder results, literal results and thenables alike, with the definition as this', async () => {
  const pid = await GenServer.start(mixed, undefined);
  expect(await GenServer.call(pid, 'builder')).toBe(1);
  expect(await GenServer.call(pid, 'literal')).toBe(11);
  expect(await GenServer.call(pid, 'thenable')).toBe(111);
  expect(await GenServer.call(pid, 'self')).toBe('mixed results');
  expect(await GenServer.call(pid, 'builder')).toBe(112);
});
