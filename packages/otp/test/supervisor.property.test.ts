import fc from 'fast-check';
import {
  GenServer,
  NoProcError,
  Supervisor,
  awaitExit,
  processInfo,
  type Node,
  type Pid,
  type RestartType,
  type Strategy,
} from '@erlmcp/otp';
import { endWith, recordingWorker, startNode } from './helpers';

/**
 * A reference model of OTP's restart rules (supervisor.erl), small enough to
 * trust by reading: random crash schedules against a real supervisor must
 * leave the same children alive, restarted or gone.
 */
interface ModelChild {
  id: string;
  restart: RestartType;
  alive: boolean;
  /** Bumped on every (re)start, so a restart is visible as a new generation. */
  generation: number;
}

interface Model {
  strategy: Strategy;
  intensity: number;
  restarts: number;
  alive: boolean;
  children: ModelChild[];
}

type Reason = 'normal' | 'shutdown' | 'crash';

function isNormal(reason: Reason): boolean {
  return reason === 'normal' || reason === 'shutdown';
}

function step(model: Model, child: ModelChild, reason: Reason): void {
  child.alive = false;
  if (child.restart === 'temporary') {
    model.children.splice(model.children.indexOf(child), 1);
    return;
  }
  if (child.restart === 'transient' && isNormal(reason)) return;
  model.restarts++;
  if (model.restarts > model.intensity) {
    model.alive = false;
    for (const c of model.children) c.alive = false;
    return;
  }
  const index = model.children.indexOf(child);
  const group =
    model.strategy === 'one_for_one'
      ? [child]
      : model.strategy === 'one_for_all'
        ? [...model.children]
        : model.children.slice(index);
  // Siblings in the group are shut down; temporary ones are forgotten, the rest start again in order.
  for (const c of group) {
    if (c !== child && c.restart === 'temporary') {
      model.children.splice(model.children.indexOf(c), 1);
      continue;
    }
    c.alive = true;
    c.generation++;
  }
}

const arbitraries = {
  restarts: fc.array(fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'), {
    minLength: 1,
    maxLength: 5,
  }),
  strategy: fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
  intensity: fc.integer({ min: 0, max: 4 }),
  schedule: fc.array(fc.record({ pick: fc.nat(), reason: fc.constantFrom<Reason>('normal', 'shutdown', 'crash') }), {
    maxLength: 12,
  }),
};

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

test('random crash schedules agree with the reference model of OTP restart rules', async () => {
  await fc.assert(
    fc.asyncProperty(
      arbitraries.restarts,
      arbitraries.strategy,
      arbitraries.intensity,
      arbitraries.schedule,
      async (restarts, strategy, intensity, schedule) => {
        const def = recordingWorker([]);
        const ids = restarts.map((_, i) => `c${i}`);
        const sup = await Supervisor.start({
          strategy,
          intensity,
          period: 3600, // no restart expires during a run: the model needs no clock
          children: ids.map((id, i) => GenServer.childSpec(id, def, { id }, { restart: restarts[i] })),
        });
        const model: Model = {
          strategy,
          intensity,
          restarts: 0,
          alive: true,
          children: ids.map((id, i) => ({ id, restart: restarts[i]!, alive: true, generation: 0 })),
        };
        let seen = new Map<string, Pid>();
        for (const c of await Supervisor.whichChildren(sup)) seen.set(c.id, c.pid as Pid);

        for (const { pick, reason } of schedule) {
          if (!model.alive || model.children.length === 0) break;
          const target = model.children[pick % model.children.length]!;
          if (!target.alive) continue;
          const before = new Map(model.children.map((c) => [c.id, c.generation]));
          const supExit = model.alive ? awaitExit(sup) : undefined;
          await endWith(seen.get(target.id)!, reason);
          step(model, target, reason);

          if (!model.alive) {
            expect(await supExit).toBe('shutdown');
            await expect(Supervisor.whichChildren(sup)).rejects.toBeInstanceOf(NoProcError);
            for (const pid of seen.values()) expect(processInfo(pid)).toBeUndefined();
            break;
          }
          const actual = await Supervisor.whichChildren(sup);
          expect(actual.map((c) => c.id)).toEqual(model.children.map((c) => c.id));
          const next = new Map<string, Pid>();
          for (const [i, c] of actual.entries()) {
            const m = model.children[i]!;
            expect(c.pid !== undefined).toBe(m.alive);
            if (!m.alive) continue;
            const pid = c.pid as Pid;
            expect(processInfo(pid)).toBeDefined();
            const restarted = m.generation !== before.get(m.id);
            expect(pid !== seen.get(m.id)).toBe(restarted);
            next.set(m.id, pid);
          }
          seen = next;
        }
        if (processInfo(sup) !== undefined) await GenServer.stop(sup, 'shutdown');
      },
    ),
    { numRuns: 150 },
  );
});
