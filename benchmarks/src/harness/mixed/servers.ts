/**
 * Twelve GenServer definitions of the mixed application, each with its own state shape
 * (a number, a Map, an array, nested records, a class instance, a typed array, a string...),
 * request shapes and callback results (reply, noreply, timeouts, continue, hibernate), the
 * way the behaviours of a real node differ. What they compute is small; that their shapes
 * differ is the point: the runtime's call path sees all of them before a scenario runs.
 */
import { continueWith, GenServer, hibernate, noreply, ok, reply, type CallResult } from '@erlmcp/otp';

export const counter = GenServer.define({
  init: (start: number) => ok(start),
  handleCall: (request: 'get' | { add: number }, _from, n: number) =>
    request === 'get' ? reply(n, n) : reply(n + request.add, n + request.add),
  handleCast: (by: number, n: number) => noreply(n + by),
});

export const kv = GenServer.define({
  init: () => ok(new Map<string, number>()),
  handleCall: (
    request: { op: 'get'; key: string } | { op: 'put'; key: string; value: number },
    _from,
    map: Map<string, number>,
  ): CallResult<Map<string, number>, number | boolean | null> => {
    if (request.op === 'get') return reply(map.get(request.key) ?? null, map);
    map.set(request.key, request.value);
    return reply(true, map);
  },
  handleCast: (key: string, map: Map<string, number>) => (map.delete(key), noreply(map)),
});

export const stack = GenServer.define({
  init: () => ok([] as string[]),
  handleCall: (
    request: ['push', string] | ['pop'],
    _from,
    items: string[],
  ): CallResult<string[], number | string | null> => {
    if (request[0] === 'push') {
      items.push(request[1]);
      return reply(items.length, items);
    }
    return reply(items.pop() ?? null, items);
  },
});

interface Account {
  owner: string;
  balance: number;
  history: Array<{ at: number; amount: number }>;
}

export const account = GenServer.define({
  init: (owner: string) => ok<Account>({ owner, balance: 0, history: [] }),
  handleCall: (
    request: { deposit: number } | { withdraw: number } | 'balance',
    _from,
    s: Account,
  ): CallResult<Account, number | { ok: number } | { error: 'insufficient' }> => {
    if (request === 'balance') return reply(s.balance, s);
    const amount = 'deposit' in request ? request.deposit : -request.withdraw;
    if (s.balance + amount < 0) return reply({ error: 'insufficient' as const }, s);
    s.balance += amount;
    s.history.push({ at: s.history.length, amount });
    if (s.history.length > 64) s.history.splice(0, 32);
    return reply({ ok: s.balance }, s);
  },
});

interface Bucket {
  tokens: number;
  limit: number;
  refills: number;
}

export const rateLimiter = GenServer.define({
  init: (limit: number) => ok<Bucket>({ tokens: limit, limit, refills: 0 }),
  handleCall: (_request: 'take', _from, b: Bucket) => {
    if (b.tokens > 0) return reply(true, { ...b, tokens: b.tokens - 1 });
    return reply(false, { tokens: b.limit, limit: b.limit, refills: b.refills + 1 });
  },
  handleInfo: (_message: unknown, b: Bucket) => noreply(b),
});

class Lru {
  private readonly entries = new Map<string, string>();
  constructor(readonly capacity: number) {}
  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  put(key: string, value: string): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

export const lru = GenServer.define({
  init: (capacity: number) => ok(new Lru(capacity)),
  handleCall: (
    request: { get: string } | { put: string; value: string },
    _from,
    cache: Lru,
  ): CallResult<Lru, string | null> => {
    if ('get' in request) return reply(cache.get(request.get) ?? null, cache);
    cache.put(request.put, request.value);
    return reply('ok' as const, cache);
  },
});

interface Sessions {
  ttlMs: number;
  byId: Record<string, { user: string; seen: number }>;
  count: number;
}

export const sessionStore = GenServer.define({
  init: (ttlMs: number) => ok<Sessions>({ ttlMs, byId: {}, count: 0 }),
  handleCall: (
    request: { open: string } | { touch: string },
    _from,
    s: Sessions,
  ): CallResult<Sessions, string | number> => {
    if ('open' in request) {
      const id = `s${s.count}`;
      s.byId[id] = { user: request.open, seen: 0 };
      s.count++;
      return reply(id, s, s.ttlMs);
    }
    const session = s.byId[request.touch];
    if (session !== undefined) session.seen++;
    return reply(session?.seen ?? -1, s, s.ttlMs);
  },
  handleInfo: (_timeout: unknown, s: Sessions) => noreply({ ...s, byId: {} }),
});

interface Config {
  readonly name: string;
  readonly limits: { readonly maxBody: number; readonly maxSessions: number };
  readonly features: readonly string[];
}

export const config = GenServer.define({
  init: (name: string) =>
    ok<Config>(
      Object.freeze({
        name,
        limits: Object.freeze({ maxBody: 1 << 20, maxSessions: 10_000 }),
        features: Object.freeze(['tools', 'resources']),
      }),
    ),
  handleCall: (request: keyof Config['limits'] | 'features', _from, c: Config) =>
    reply(request === 'features' ? c.features.length : c.limits[request], c),
});

interface Queue {
  head: number;
  tail: number;
  items: Array<number | undefined>;
}

export const queue = GenServer.define({
  init: () => ok<Queue>({ head: 0, tail: 0, items: [] }),
  handleCall: (request: { in: number } | 'out', _from, q: Queue): CallResult<Queue, number | null | undefined> => {
    if (request === 'out') {
      if (q.head === q.tail) return reply(null, q);
      const value = q.items[q.head];
      q.items[q.head++] = undefined;
      return reply(value, q);
    }
    q.items[q.tail++] = request.in;
    return reply(q.tail - q.head, q);
  },
});

export const stats = GenServer.define({
  init: () => ok(new Float64Array(4)),
  handleCast: (sample: number, s: Float64Array) => {
    s[0]! += 1;
    s[1]! += sample;
    s[2] = Math.min(s[2] === 0 ? sample : s[2]!, sample);
    s[3] = Math.max(s[3]!, sample);
    return noreply(s);
  },
  handleCall: (_request: 'mean', _from, s: Float64Array) => reply(s[0] === 0 ? 0 : s[1]! / s[0]!, s),
});

/** A server that defers work past its reply with {continue, ...} and hibernates when idle. */
export const journal = GenServer.define({
  init: () => ok({ lines: [] as string[], flushed: 0 }),
  handleCall: (line: string, _from, s: { lines: string[]; flushed: number }) => {
    s.lines.push(line);
    return reply(s.lines.length, s, s.lines.length >= 16 ? continueWith('flush') : undefined);
  },
  handleContinue: (_arg: unknown, s: { lines: string[]; flushed: number }) =>
    noreply({ lines: [], flushed: s.flushed + s.lines.length }, hibernate()),
});

/** A server whose state is a string. */
export const greeter = GenServer.define({
  init: (greeting: string) => ok(greeting),
  handleCall: (name: string, _from, greeting: string) => reply(`${greeting}, ${name}`, greeting),
  handleCast: (greeting: string, _old: string) => noreply(greeting),
});

/** A job worker, started on demand under the dynamic supervisor; its state is a tuple. */
export const job = GenServer.define({
  init: (id: number) => ok<[number, number]>([id, 0]),
  handleCall: (_request: 'step', _from, s: [number, number]) => reply(s[1] + 1, [s[0], s[1] + 1] as [number, number]),
});
