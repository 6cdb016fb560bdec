/**
 * The mixed mode's application: what a child process loads and exercises before a scenario's
 * warm-up, so the scenario is measured inside a program that looks like a real node rather
 * than alone in a fresh process. The same application is loaded for ours and for the peer:
 * both sides then run with the same heap, the same live processes and the same JIT history
 * of everything but the code under test.
 *
 *   mixed_app (one_for_one)
 *   ├── counter, kv, stack, account, rate_limiter, lru,
 *   │   session_store, config, queue, stats, journal, greeter    workers, 12 state shapes
 *   ├── jobs          DynamicSupervisor of job workers (tuple state)
 *   └── storage       supervisor (one_for_all)
 *       └── tables    owner of three ETS tables (set, ordered_set, bag)
 *
 * plus an MCP server (mcp.ts) on a loopback port with a client calling its tools, and ten
 * nact actors (nact.ts) with their own state shapes.
 */
import { Ets } from '@erlmcp/ets';
import {
  Application,
  DynamicSupervisor,
  GenServer,
  Node,
  ok,
  Pid,
  reply,
  Supervisor,
  whereis,
  type ApplicationSpec,
  type RunningApplication,
} from '@erlmcp/otp';
import { exerciseMcp, type McpPart } from './mcp';
import { exerciseNact, type NactPart } from './nact';
import * as s from './servers';

/** Owns the tables, as an ETS owner process does; a call reads one back. */
const tables = GenServer.define({
  init: () =>
    ok({
      sessions: Ets.new<[string, { user: string; at: number }]>('mixed_sessions', {
        access: 'public',
        readConcurrency: true,
      }),
      ordered: Ets.new<[number, string]>('mixed_ordered', { type: 'ordered_set', access: 'public' }),
      tags: Ets.new<[string, string]>('mixed_tags', { type: 'bag', access: 'public' }),
    }),
  handleCall: (key: string, _from, t: { sessions: { lookup(key: string): unknown[] } }) =>
    reply(t.sessions.lookup(key).length, t),
});

const spec: ApplicationSpec = {
  name: 'mixed_app',
  supervisor: {
    strategy: 'one_for_one',
    intensity: 10,
    period: 5,
    children: [
      GenServer.childSpec('counter', s.counter, 0, { name: 'mixed_counter' }),
      GenServer.childSpec('kv', s.kv, undefined, { name: 'mixed_kv' }),
      GenServer.childSpec('stack', s.stack, undefined, { name: 'mixed_stack' }),
      GenServer.childSpec('account', s.account, 'ada', { name: 'mixed_account' }),
      GenServer.childSpec('rate_limiter', s.rateLimiter, 50, { name: 'mixed_rate_limiter' }),
      GenServer.childSpec('lru', s.lru, 64, { name: 'mixed_lru' }),
      GenServer.childSpec('session_store', s.sessionStore, 60_000, { name: 'mixed_session_store' }),
      GenServer.childSpec('config', s.config, 'mixed', { name: 'mixed_config' }),
      GenServer.childSpec('queue', s.queue, undefined, { name: 'mixed_queue' }),
      GenServer.childSpec('stats', s.stats, undefined, { name: 'mixed_stats' }),
      GenServer.childSpec('journal', s.journal, undefined, { name: 'mixed_journal' }),
      GenServer.childSpec('greeter', s.greeter, 'Hello', { name: 'mixed_greeter' }),
      DynamicSupervisor.childSpec(
        'jobs',
        { child: { start: (id: number) => GenServer.startLink(s.job, id) } },
        { name: 'mixed_jobs' },
      ),
      Supervisor.childSpec('storage', {
        strategy: 'one_for_all',
        children: [GenServer.childSpec('tables', tables, undefined, { name: 'mixed_tables' })],
      }),
    ],
  },
};

/** How many rounds of traffic the exercise sends to every server (a few thousand calls in all). */
const ROUNDS = 300;

/** Calls and casts to every server, with the request and reply shapes each one takes. */
async function exerciseServers(): Promise<void> {
  const pid = (name: string): Pid => {
    const found = whereis(`mixed_${name}`);
    if (found === undefined) throw new Error(`mixed_${name} is not running`);
    return found;
  };
  const [counter, kv, stack, account, limiter, lru, sessions, config, queue, stats, journal, greeter] = [
    'counter',
    'kv',
    'stack',
    'account',
    'rate_limiter',
    'lru',
    'session_store',
    'config',
    'queue',
    'stats',
    'journal',
    'greeter',
  ].map(pid) as Pid[];
  const jobs: Pid[] = [];
  for (let i = 0; i < 8; i++) {
    const started = await DynamicSupervisor.startChild('mixed_jobs', i);
    if (started instanceof Pid) jobs.push(started);
  }
  for (let i = 0; i < ROUNDS; i++) {
    const key = `k${i % 50}`;
    await GenServer.call(counter, i % 2 === 0 ? 'get' : { add: i });
    GenServer.cast(counter, 1);
    await GenServer.call(kv, { op: 'put', key, value: i });
    await GenServer.call(kv, { op: 'get', key });
    if (i % 7 === 0) GenServer.cast(kv, key);
    await GenServer.call(stack, i % 3 === 0 ? ['pop'] : ['push', key]);
    await GenServer.call(account, i % 4 === 0 ? { withdraw: 3 } : i % 4 === 1 ? 'balance' : { deposit: 2 });
    await GenServer.call(limiter, 'take');
    await GenServer.call(lru, i % 2 === 0 ? { put: key, value: String(i) } : { get: key });
    await GenServer.call(sessions, i % 5 === 0 ? { open: key } : { touch: `s${i % 20}` });
    await GenServer.call(config, i % 2 === 0 ? 'maxBody' : 'features');
    await GenServer.call(queue, i % 3 === 2 ? 'out' : { in: i });
    GenServer.cast(stats, i * 0.5);
    await GenServer.call(journal, `line ${i}`);
    await GenServer.call(greeter, key);
    if (i % 50 === 0) GenServer.cast(greeter, i % 100 === 0 ? 'Hello' : 'Hi');
    await GenServer.call(jobs[i % jobs.length]!, 'step');
  }
  await GenServer.call(stats, 'mean');
}

function exerciseTables(): void {
  const sessions = Ets.whereis<[string, { user: string; at: number }]>('mixed_sessions');
  const ordered = Ets.whereis<[number, string]>('mixed_ordered');
  const tags = Ets.whereis<[string, string]>('mixed_tags');
  for (let i = 0; i < ROUNDS * 4; i++) {
    sessions?.insert([`s${i % 500}`, { user: `u${i}`, at: i }]);
    sessions?.lookup(`s${(i * 7) % 500}`);
    ordered?.insert([i, `v${i}`]);
    tags?.insert([`t${i % 40}`, `tag${i % 9}`]);
  }
  ordered?.first();
  tags?.lookup('t1');
}

export interface MixedApplication {
  /** Processes, tables and the MCP server stay up while the scenario runs; stop() ends them. */
  stop(): Promise<void>;
}

let loaded: { node: Node; app: RunningApplication } | undefined;

/** The node the mixed application runs on, when it is loaded: scenarios run on it too. */
export function mixedNode(): Node | undefined {
  return loaded?.node;
}

/**
 * Starts a one-scheduler node, the application on it, the MCP server and the nact actors,
 * and exercises all of them. Once per process: a second load is an error.
 */
export async function loadMixedApplication(): Promise<MixedApplication> {
  if (loaded !== undefined) throw new Error('the mixed application is already loaded');
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  const app = await Application.start(spec);
  loaded = { node, app };
  await exerciseServers();
  exerciseTables();
  const mcp: McpPart = await exerciseMcp();
  const nact: NactPart = await exerciseNact();
  return {
    stop: async () => {
      nact.stop();
      await mcp.stop();
      await app.stop();
      await node.stop();
      loaded = undefined;
    },
  };
}
