/**
 * The otp README's code examples, kept here so they compile (`npm test` type-checks
 * this file) and run (readme-examples.test.ts). Change them together.
 */
import {
  GenServer,
  GenStatem,
  Supervisor,
  noreply,
  ok,
  reply,
  spawn,
  type From,
  type Pid,
  type StatemEvent,
} from '@erlmcp/otp';

const workerDef = GenServer.define({ init: (config: { size: number }) => ok(config) });

// README, "Processes": a linked start after an await names its parent.
export function startAfterAwait(loadConfig: () => Promise<{ size: number }>, started: (pids: Pid[]) => void): Pid {
  return spawn(async (ctx) => {
    const config = await loadConfig();
    const worker = await GenServer.startLink(workerDef, config, { parent: ctx });
    const sup = await Supervisor.startLink({ children: [] }, { parent: ctx });
    started([worker, sup]);
    await ctx.receive();
  });
}

// README, "GenServer: a reply type per request".
type KvRequest =
  { type: 'get'; key: string } | { type: 'put'; key: string; value: number } | { type: 'take'; key: string }; // answered later, when the key is put
type KvReplies = { get: number | undefined; put: 'ok'; take: number };
interface KvState {
  data: Map<string, number>;
  takers: Map<string, From<number>[]>;
}

export const kv = GenServer.define({
  init: () => ok<KvState>({ data: new Map(), takers: new Map() }),
  handleCall: GenServer.calls<KvRequest, KvReplies, KvState>({
    get: (req, _from, s) => reply(s.data.get(req.key), s),
    put: (req, _from, s) => {
      for (const taker of s.takers.get(req.key) ?? []) GenServer.reply(taker, req.value);
      s.takers.delete(req.key);
      s.data.set(req.key, req.value);
      return reply('ok', s);
    },
    take: (req, from, s) => {
      const value = s.data.get(req.key);
      if (value !== undefined) return reply(value, s);
      s.takers.set(req.key, [...(s.takers.get(req.key) ?? []), from]);
      return noreply(s);
    },
  }),
});

export async function useKv(): Promise<[number | undefined, 'ok', number]> {
  const pid = await GenServer.start(kv, undefined);
  const taken = GenServer.call(pid, { type: 'take', key: 'a' }); // Promise<number>
  const put = await GenServer.call(pid, { type: 'put', key: 'a', value: 1 }); // 'ok'
  const got = await GenServer.call(pid, { type: 'get', key: 'a' }); // number | undefined
  return [got, put, await taken];
}

// README, "GenStatem": a circuit breaker. Closed: calls go through, failures counted.
// Open: calls fail fast until a state timeout moves it to half-open, where one trial decides.
type BreakerState = 'closed' | 'open' | 'half_open';
type BreakerCall = { run: () => Promise<string> };
type BreakerReply = { ok: string } | { error: string };
type Breaker = { failures: number; limit: number; coolDownMs: number };

export const breaker = GenStatem.define({
  callbackMode: 'handle_event_function',
  stateEnter: true,
  init: (opts: { limit: number; coolDownMs: number }) =>
    GenStatem.ok<BreakerState, Breaker>('closed', { failures: 0, ...opts }),
  async handleEvent(event: StatemEvent<BreakerCall, never, never, BreakerState>, state: BreakerState, data: Breaker) {
    switch (event.type) {
      case 'enter':
        // Entering open starts the cool-down; any state change cancels it.
        return state === 'open'
          ? GenStatem.keepStateAndData([GenStatem.stateTimeout(data.coolDownMs, 'try')])
          : GenStatem.keepStateAndData();
      case 'state_timeout':
        return GenStatem.nextState<BreakerState, Breaker>('half_open', data);
      case 'call': {
        const reply = (value: BreakerReply) => GenStatem.reply(event.from, value);
        if (state === 'open') return GenStatem.keepStateAndData([reply({ error: 'circuit open' })]);
        try {
          const result = await event.request.run();
          return GenStatem.nextState<BreakerState, Breaker, BreakerReply>('closed', { ...data, failures: 0 }, [
            reply({ ok: result }),
          ]);
        } catch (error) {
          const failures = data.failures + 1;
          const next: BreakerState = state === 'half_open' || failures >= data.limit ? 'open' : 'closed';
          return GenStatem.nextState(next, { ...data, failures }, [reply({ error: String(error) })]);
        }
      }
      default:
        return GenStatem.keepStateAndData();
    }
  },
});

export async function useBreaker(upstream: () => Promise<string>): Promise<BreakerReply[]> {
  const pid = await GenStatem.start(breaker, { limit: 2, coolDownMs: 50 });
  const replies: BreakerReply[] = [];
  for (let i = 0; i < 3; i++) replies.push(await GenStatem.call(pid, { run: upstream }));
  await GenStatem.stop(pid);
  return replies;
}
