import { GenServer, GenStatem, Supervisor, exit, sys, whereis, type Pid } from '@erlmcp/otp';
import { breaker, type BreakerReply, type BreakerState } from './breaker';
import { limits } from './limits';
import { startLink as startLimiter } from './rate-limiter';

/**
 * The tree:
 *
 *   guard (one_for_one)
 *   ├── limiter   a behaviour of our own (rate-limiter.ts): a token bucket
 *   └── breaker   a GenStatem (breaker.ts): closed / open / half_open
 */
/** Started with Supervisor.start in runDemo. */
export const tree = {
  strategy: 'one_for_one' as const,
  intensity: 5,
  period: 5,
  children: [
    { id: 'limiter', start: () => startLimiter(limits, { capacity: 8 }, 'limiter') },
    GenStatem.childSpec('breaker', breaker, { limit: 2, coolDownMs: 50 }, { name: 'breaker' }),
  ],
};

/** An upstream that fails on its 2nd to 4th request, and works otherwise. */
export function flakyUpstream(): () => Promise<string> {
  let n = 0;
  return async () => {
    n++;
    if (n >= 2 && n <= 4) throw new Error(`upstream failed request ${n}`);
    return `upstream answered request ${n}`;
  };
}

/** One request through the guard: the limiter first, then the breaker. */
async function request(upstream: () => Promise<string>): Promise<string> {
  const allowed = (await GenServer.call('limiter', 'client-1')) as boolean;
  if (!allowed) return 'rate limited';
  const reply: BreakerReply = await GenStatem.call(GenStatem.ref(breaker, 'breaker'), { run: upstream });
  return 'ok' in reply ? reply.ok : `error: ${reply.error}`;
}

async function stateOf(): Promise<BreakerState> {
  return ((await sys.getState(whereis('breaker')!)) as { state: BreakerState }).state;
}

/** Until `id` runs under a new pid (bounded: the supervisor restarts at once). */
async function restarted(sup: Pid, id: string, old: Pid): Promise<Pid> {
  for (let i = 0; i < 1000; i++) {
    const child = (await Supervisor.whichChildren(sup)).find((c) => c.id === id);
    if (child !== undefined && typeof child.pid === 'object' && !child.pid.equals(old)) return child.pid;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`${id} was not restarted`);
}

export async function runDemo(print: (line: string) => void): Promise<Pid> {
  const sup = await Supervisor.start(tree);
  const upstream = flakyUpstream();
  print(`guard started: limiter ${whereis('limiter')}, breaker ${whereis('breaker')}`);

  for (let i = 1; i <= 4; i++) print(`request ${i}: ${await request(upstream)} (breaker ${await stateOf()})`);

  // Open: wait for the state timeout to move it to half_open; the next request is the trial.
  for (let i = 0; i < 1000 && (await stateOf()) === 'open'; i++) await new Promise((r) => setTimeout(r, 5));
  print(`breaker cooled down: ${await stateOf()}`);
  print(`request 5: ${await request(upstream)} (breaker ${await stateOf()})`);
  for (let i = 0; i < 1000 && (await stateOf()) === 'open'; i++) await new Promise((r) => setTimeout(r, 5));
  print(`breaker cooled down: ${await stateOf()}`);
  print(`request 6: ${await request(upstream)} (breaker ${await stateOf()})`);

  // A bug in the limiter's callback (a key that is not a string) crashes it; the supervisor restarts it.
  const limiter = whereis('limiter')!;
  const failed = await GenServer.call('limiter', 42).catch((error: Error) => `${error.name}: ${error.message}`);
  print(`limiter crashed: ${String(failed)}`);
  print(
    `limiter restarted: ${limiter} -> ${await restarted(sup, 'limiter', limiter)} (bucket full again: ${JSON.stringify(await sys.getState('limiter'))})`,
  );

  // The breaker killed from outside: restarted closed, with its failures forgotten.
  const old = whereis('breaker')!;
  exit(old, 'kill');
  print(`breaker killed: restarted ${old} -> ${await restarted(sup, 'breaker', old)} (breaker ${await stateOf()})`);
  print(`request 7: ${await request(upstream)} (breaker ${await stateOf()})`);
  return sup;
}
