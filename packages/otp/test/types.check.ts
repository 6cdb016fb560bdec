/**
 * Compile-time tests: `npm test` type-checks this file (tsc -p tsconfig.test.json).
 * Each @ts-expect-error line must be an error, so the types really flow from a
 * GenServer's definition to its callers.
 */
import {
  continueWith,
  GenServer,
  GenStatem,
  hibernate,
  noreply,
  ok,
  reply,
  type CallHandlers,
  type StatemEvent,
} from '@erlmcp/otp';

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

// ---- a reply type per request: GenServer.calls -------------------------------

type KvRequest = { type: 'get'; key: string } | { type: 'put'; key: string; value: number } | { type: 'size' };
type KvReplies = { get: number | undefined; put: 'ok'; size: number };
type Kv = Map<string, number>;

const kv = GenServer.define({
  init: () => ok<Kv>(new Map()),
  handleCall: GenServer.calls<KvRequest, KvReplies, Kv>({
    get: (req, _from, m) => reply(m.get(req.key), m),
    put: (req, _from, m) => reply('ok', m.set(req.key, req.value)),
    size: async (_req, _from, m) => reply(m.size, m),
  }),
});

export const wrongReplies = [
  GenServer.calls<KvRequest, KvReplies, Kv>({
    get: (req, _from, m) => reply(m.get(req.key), m),
    // @ts-expect-error put replies 'ok', not a number
    put: (req, _from, m) => reply(m.size, m.set(req.key, req.value)),
    size: (_req, _from, m) => reply(m.size, m),
  }),
  GenServer.calls<KvRequest, KvReplies, Kv>({
    get: (req, _from, m) => reply(m.get(req.key), m),
    put: (_req, from, m) => {
      // @ts-expect-error a deferred reply to put is 'ok' too
      GenServer.reply(from, 'done');
      return noreply(m);
    },
    size: (_req, _from, m) => reply(m.size, m),
  }),
  // @ts-expect-error every request type needs its handler (size is missing)
  GenServer.calls<KvRequest, KvReplies, Kv>({
    get: (req, _from, m) => reply(m.get(req.key), m),
    put: (_req, _from, m) => reply('ok', m),
  }),
  GenServer.calls<KvRequest, KvReplies, Kv>({
    get: (req, _from, m) => reply(m.get(req.key), m),
    put: (_req, _from, m) => reply('ok', m),
    size: (_req, _from, m) => reply(m.size, m),
    // @ts-expect-error no such request type
    clear: (_req: unknown, _from: unknown, m: Kv) => reply('ok', m),
  }),
  GenServer.calls<KvRequest, KvReplies, Kv>({
    // @ts-expect-error the request is narrowed to its type: get has no value
    get: (req, _from, m) => reply(req.value, m),
    put: (_req, _from, m) => reply('ok', m),
    size: (_req, _from, m) => reply(m.size, m),
  }),
];

// @ts-expect-error every request type needs a reply type (size has none)
export type MissingReply = CallHandlers<KvRequest, { get: number; put: 'ok' }, Kv>;

export async function perRequestReplies(): Promise<unknown[]> {
  const pid = await GenServer.start(kv, undefined);
  const got: number | undefined = await GenServer.call(pid, { type: 'get', key: 'a' });
  const put: 'ok' = await GenServer.call(pid, { type: 'put', key: 'a', value: 1 });
  const size: number = await GenServer.call(pid, { type: 'size' });
  // @ts-expect-error get replies number | undefined
  const wrongGet: number = await GenServer.call(pid, { type: 'get', key: 'a' });
  // @ts-expect-error put replies 'ok'
  const wrongPut: number = await GenServer.call(pid, { type: 'put', key: 'a', value: 1 });
  // @ts-expect-error not a request type of this server
  await GenServer.call(pid, { type: 'clear' });
  // @ts-expect-error get needs its key
  await GenServer.call(pid, { type: 'get' });
  // @ts-expect-error put's value is a number
  await GenServer.call(pid, { type: 'put', key: 'a', value: 'one' });
  // A request whose type is not known statically gets the union of the replies.
  const request: KvRequest = Math.random() > 0.5 ? { type: 'size' } : { type: 'get', key: 'a' };
  const any: number | undefined | 'ok' = await GenServer.call(pid, request);
  // Typed through a name as well.
  const named = GenServer.ref(kv, 'kv');
  const viaName: number = await GenServer.call(named, { type: 'size' });
  // Requests that are arrays still type-check (the request type parameter is const).
  const lengths = GenServer.define({
    init: () => ok(0),
    handleCall: (req: string[], _from, n: number) => reply(req.length, n),
  });
  const measured: number = await GenServer.call(await GenServer.start(lengths, undefined), ['a', 'b']);
  return [got, put, size, wrongGet, wrongPut, any, viaName, measured];
}

// ---- GenStatem: states, events and data flow from the definition --------------

const light = GenStatem.define({
  callbackMode: 'state_functions',
  init: (start: 'red' | 'green') => GenStatem.ok(start, { changes: 0 }),
  states: {
    red: (event: StatemEvent<'colour', 'switch'>, data: { changes: number }) =>
      event.type === 'call'
        ? GenStatem.keepStateAndData([GenStatem.reply(event.from, 'red')])
        : GenStatem.nextState('green', { changes: data.changes + 1 }),
    green: (event: StatemEvent<'colour', 'switch'>, data: { changes: number }) =>
      event.type === 'call'
        ? GenStatem.keepStateAndData([GenStatem.reply(event.from, 'green')])
        : GenStatem.nextState('red', { changes: data.changes + 1 }),
  },
});

export async function statemTypeFlow(): Promise<unknown[]> {
  const pid = await GenStatem.start(light, 'red');
  const colour: string = await GenStatem.call(pid, 'colour');
  // @ts-expect-error the reply is a string
  const wrong: number = await GenStatem.call(pid, 'colour');
  // @ts-expect-error not a request this statem handles
  await GenStatem.call(pid, 'brightness');
  GenStatem.cast(pid, 'switch');
  // @ts-expect-error not a cast this statem handles
  GenStatem.cast(pid, 'dim');
  // @ts-expect-error init takes 'red' or 'green'
  await GenStatem.start(light, 'blue');
  return [colour, wrong];
}

// A handler that keeps data of another type than init's: the definition does not compile.
export const badStatems = [
  // @ts-expect-error data is a number
  GenStatem.define({
    callbackMode: 'handle_event_function',
    init: () => GenStatem.ok<'on' | 'off', number>('on', 0),
    handleEvent: () => GenStatem.keepState('zero'),
  }),
];

// state_functions: every state a statem can be in has a handler. A transition to a state with
// no handler in `states`, or an initial state without one, does not compile (at run time,
// from untyped code, it is a NoStateHandlerError: see continue-hibernate.test.ts).
type Lamp = 'off' | 'on';
export const strayStatems = [
  GenStatem.define({
    callbackMode: 'state_functions',
    init: () => GenStatem.ok<Lamp, number>('off', 0),
    states: {
      off: (_event: StatemEvent<never, 'flip'>, n: number) => GenStatem.nextState<Lamp, number>('on', n + 1),
      // @ts-expect-error 'dimmed' is not a state of this statem
      on: (_event: StatemEvent<never, 'flip'>, n: number) => GenStatem.nextState<Lamp, number>('dimmed', n + 1),
    },
  }),
  // @ts-expect-error the state 'on' has no handler
  GenStatem.define({
    callbackMode: 'state_functions',
    init: () => GenStatem.ok<Lamp, number>('off', 0),
    states: {
      off: (_event: StatemEvent<never, 'flip'>, n: number) => GenStatem.nextState<Lamp, number>('on', n + 1),
    },
  }),
];

// Continuations and hibernation end a result where a timeout may; nothing else does.
export const continuing = GenServer.define({
  init: () => ok(0, continueWith('warm')),
  handleCast: (_m: 'sleep', n: number) => noreply(n, hibernate()),
  handleContinue: (_arg, n: number) => noreply(n + 1),
  // @ts-expect-error a result ends with a timeout, continueWith() or hibernate()
  handleInfo: (_m, n: number) => noreply(n, 'later'),
});
