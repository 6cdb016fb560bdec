import { BadArgError, GenServer, awaitExit, exit, processInfo, type Node, type Pid } from '@erlmcp/otp';
import { kv, startAfterAwait, useBreaker, useKv } from './readme-examples';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

test('README: startLink after an await with { parent: ctx } links the worker and the supervisor to the caller', async () => {
  let started!: (pids: Pid[]) => void;
  const children = new Promise<Pid[]>((resolve) => (started = resolve));
  const caller = startAfterAwait(async () => ({ size: 3 }), started);
  const pids = await children;
  for (const child of pids) expect(processInfo(child)!.links.map(String)).toEqual([String(caller)]);
  const exits = pids.map((child) => awaitExit(child));
  exit(caller, 'shutdown');
  expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown']);
});

test('README: a server with a reply type per request answers each request with its own reply, deferred ones included', async () => {
  expect(await useKv()).toEqual([1, 'ok', 1]);
});

test('GenServer.calls: a request with no handler fails that call with a BadArgError, and the server carries on', async () => {
  const pid = await GenServer.start(kv, undefined);
  const untyped = pid as Pid;
  for (const request of [{ type: 'nope' }, { type: 'toString' }, { type: '__proto__' }, 'get', null, { key: 'a' }]) {
    const error = await GenServer.call(untyped, request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadArgError);
  }
  expect(processInfo(pid)).toBeDefined();
  expect(await GenServer.call(pid, { type: 'put', key: 'b', value: 2 })).toBe('ok');
  expect(await GenServer.call(pid, { type: 'get', key: 'b' })).toBe(2);
});

test('GenServer.calls refuses handlers that are not functions', () => {
  expect(() => GenServer.calls({ get: 42 } as never)).toThrow(BadArgError);
});

test('README: the circuit breaker opens after two failures and then fails fast without calling the upstream', async () => {
  let calls = 0;
  const replies = await useBreaker(async () => {
    calls++;
    throw new Error('upstream down');
  });
  expect(replies).toEqual([
    { error: 'Error: upstream down' },
    { error: 'Error: upstream down' },
    { error: 'circuit open' },
  ]);
  expect(calls).toBe(2);
});
