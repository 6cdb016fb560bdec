import fc from 'fast-check';
import {
  AlreadyStartedError,
  ChildError,
  DuplicateChildError,
  GenServer,
  IgnoredError,
  Supervisor,
  ignore,
  ok,
  processInfo,
  type Node,
  type Pid,
  type RestartType,
} from '@erlmcp/otp';
import { startNode } from './helpers';

/**
 * Random sequences of startChild, terminateChild, restartChild and deleteChild on a few
 * ids, against a model of supervisor.erl's answers: already_started (with the pid) for a
 * running id, already_present for a kept one, not_found, running, and ignore as a
 * rejection that keeps the spec (unless temporary).
 */
type Mode = 'ok' | 'ignore_init' | 'ignore_value';
type Op =
  | { op: 'start'; id: string; mode: Mode; restart: RestartType }
  | { op: 'terminate'; id: string }
  | { op: 'restart'; id: string; mode: Mode }
  | { op: 'delete'; id: string };

interface ModelChild {
  id: string;
  restart: RestartType;
  pid: Pid | undefined;
}

const id = fc.constantFrom('a', 'b', 'c');
const mode = fc.constantFrom<Mode>('ok', 'ignore_init', 'ignore_value');
const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('start' as const),
      id,
      mode,
      restart: fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'),
    }),
    fc.record({ op: fc.constant('terminate' as const), id }),
    fc.record({ op: fc.constant('restart' as const), id, mode }),
    fc.record({ op: fc.constant('delete' as const), id }),
  ),
  { maxLength: 20 },
);

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

test('child management on random sequences of ids agrees with the model of supervisor.erl', async () => {
  await fc.assert(
    fc.asyncProperty(ops, async (sequence: Op[]) => {
      let next: Mode = 'ok';
      const worker = GenServer.define({ init: () => (next === 'ignore_init' ? ignore() : ok(null)) });
      const specFor = (childId: string, restart: RestartType) => ({
        id: childId,
        restart,
        start: () => (next === 'ignore_value' ? ('ignore' as const) : GenServer.startLink(worker, undefined)),
      });
      const sup = await Supervisor.start({ children: [] });
      const model: ModelChild[] = [];
      const find = (childId: string) => model.find((c) => c.id === childId);

      for (const step of sequence) {
        const child = find(step.id);
        switch (step.op) {
          case 'start': {
            next = step.mode;
            const outcome = await Supervisor.startChild(sup, specFor(step.id, step.restart)).catch((e: unknown) => e);
            if (child?.pid !== undefined) {
              expect(outcome).toBeInstanceOf(AlreadyStartedError);
              expect((outcome as AlreadyStartedError).pid!.equals(child.pid)).toBe(true);
            } else if (child !== undefined) {
              expect(outcome).toBeInstanceOf(DuplicateChildError);
            } else if (step.mode === 'ok') {
              expect(processInfo(outcome as Pid)).toBeDefined();
              model.push({ id: step.id, restart: step.restart, pid: outcome as Pid });
            } else {
              expect(outcome).toBeInstanceOf(IgnoredError);
              if (step.restart !== 'temporary') model.push({ id: step.id, restart: step.restart, pid: undefined });
            }
            break;
          }
          case 'terminate': {
            const outcome = await Supervisor.terminateChild(sup, step.id).catch((e: unknown) => e);
            if (child === undefined) {
              expect(outcome).toMatchObject({ code: 'not_found' });
              break;
            }
            expect(outcome).toBe(true);
            if (child.pid !== undefined) expect(processInfo(child.pid)).toBeUndefined();
            child.pid = undefined;
            if (child.restart === 'temporary') model.splice(model.indexOf(child), 1);
            break;
          }
          case 'restart': {
            next = step.mode;
            const outcome = await Supervisor.restartChild(sup, step.id).catch((e: unknown) => e);
            if (child === undefined) expect(outcome).toMatchObject({ code: 'not_found' });
            else if (child.pid !== undefined) expect(outcome).toMatchObject({ code: 'running' });
            else if (step.mode === 'ok') child.pid = outcome as Pid;
            else expect(outcome).toBeInstanceOf(IgnoredError);
            break;
          }
          case 'delete': {
            const outcome = await Supervisor.deleteChild(sup, step.id).catch((e: unknown) => e);
            if (child === undefined) expect(outcome).toBeInstanceOf(ChildError);
            else if (child.pid !== undefined) expect(outcome).toMatchObject({ code: 'running' });
            else {
              expect(outcome).toBe(true);
              model.splice(model.indexOf(child), 1);
            }
            break;
          }
        }
        const actual = await Supervisor.whichChildren(sup);
        expect(actual.map((c) => [c.id, c.restart])).toEqual(model.map((c) => [c.id, c.restart]));
        actual.forEach((c, i) => {
          const expected = model[i]!.pid;
          expect(c.pid === undefined ? undefined : String(c.pid)).toBe(
            expected === undefined ? undefined : String(expected),
          );
          if (expected !== undefined) expect(processInfo(expected)).toBeDefined();
        });
      }
      await GenServer.stop(sup, 'shutdown');
    }),
    { numRuns: 100 },
  );
});
