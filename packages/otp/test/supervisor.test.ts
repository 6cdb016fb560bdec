import {
  AlreadyStartedError,
  DuplicateChildError,
  DynamicSupervisor,
  GenServer,
  IgnoredError,
  InvalidChildSpecError,
  StartError,
  Supervisor,
  awaitExit,
  exit,
  ignore,
  ok,
  processInfo,
  supervisionTree,
  whereis,
  type ChildSpec,
  type Node,
  type Pid,
  type RestartType,
  type Shutdown,
  type Strategy,
} from '@erlmcp/otp';
import { endWith, recordingWorker, startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

function workers(log: string[], ids: string[], restart: RestartType = 'permanent', trap = true): ChildSpec[] {
  const def = recordingWorker(log);
  return ids.map((id) => GenServer.childSpec(id, def, { id, trap }, { restart }));
}

async function pids(sup: Pid): Promise<Record<string, Pid | string | undefined>> {
  const out: Record<string, Pid | string | undefined> = {};
  for (const c of await Supervisor.whichChildren(sup)) out[c.id] = c.pid;
  return out;
}

describe('Supervisor: strategies', () => {
  test('children start in order and stop in reverse order', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ children: workers(log, ['a', 'b', 'c']) });
    await GenServer.stop(sup, 'shutdown');
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c:shutdown', 'stop:b:shutdown', 'stop:a:shutdown']);
  });

  test('one_for_one restarts only the child that died', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ strategy: 'one_for_one', children: workers(log, ['a', 'b', 'c']) });
    const before = await pids(sup);
    await endWith(before.b as Pid, 'crash');
    const after = await pids(sup);
    expect(after.a).toBe(before.a);
    expect(after.c).toBe(before.c);
    expect(after.b).not.toBe(before.b);
    expect(processInfo(after.b as Pid)).toBeDefined();
    expect(log.slice(3)).toEqual(['stop:b:crash', 'start:b']);
  });

  test('one_for_all terminates the others (in reverse) and restarts all in order', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ strategy: 'one_for_all', children: workers(log, ['a', 'b', 'c']) });
    const before = await pids(sup);
    await endWith(before.b as Pid, 'crash');
    const after = await pids(sup);
    for (const id of ['a', 'b', 'c']) expect(after[id]).not.toBe(before[id]);
    expect(log.slice(3)).toEqual([
      'stop:b:crash',
      'stop:c:shutdown',
      'stop:a:shutdown',
      'start:a',
      'start:b',
      'start:c',
    ]);
  });

  test('rest_for_one restarts the child and those started after it', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ strategy: 'rest_for_one', children: workers(log, ['a', 'b', 'c', 'd']) });
    const before = await pids(sup);
    await endWith(before.b as Pid, 'crash');
    const after = await pids(sup);
    expect(after.a).toBe(before.a);
    for (const id of ['b', 'c', 'd']) expect(after[id]).not.toBe(before[id]);
    expect(log.slice(4)).toEqual([
      'stop:b:crash',
      'stop:d:shutdown',
      'stop:c:shutdown',
      'start:b',
      'start:c',
      'start:d',
    ]);
  });
});

describe('Supervisor: restart types', () => {
  const cases: [RestartType, 'normal' | 'shutdown' | 'crash' | 'weird', boolean][] = [
    ['permanent', 'normal', true],
    ['permanent', 'shutdown', true],
    ['permanent', 'crash', true],
    ['transient', 'normal', false],
    ['transient', 'shutdown', false],
    ['transient', 'crash', true],
    ['transient', 'weird', true],
    ['temporary', 'crash', false],
    ['temporary', 'normal', false],
  ];
  test.each(cases)('%s child ending with %s: restarted=%s', async (restart, reason, restarted) => {
    const log: string[] = [];
    const sup = await Supervisor.start({ intensity: 5, children: workers(log, ['w'], restart) });
    const before = (await pids(sup)).w as Pid;
    await endWith(before, reason === 'crash' ? 'crash' : reason);
    const children = await Supervisor.whichChildren(sup);
    if (restarted) {
      expect(children[0]!.pid).toBeInstanceOf(Object);
      expect(children[0]!.pid).not.toBe(before);
    } else if (restart === 'temporary') {
      expect(children).toEqual([]); // a temporary child's spec is dropped
    } else {
      expect(children[0]!.pid).toBeUndefined();
    }
  });
});

describe('Supervisor: restart intensity', () => {
  test('more restarts than intensity within the period: children stopped, supervisor exits shutdown', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ intensity: 2, period: 3600, children: workers(log, ['a', 'b']) });
    const supExit = awaitExit(sup);
    for (let i = 0; i < 2; i++) await endWith((await pids(sup)).a as Pid, 'crash');
    const b = (await pids(sup)).b as Pid;
    await endWith((await pids(sup)).a as Pid, 'crash');
    expect(await supExit).toBe('shutdown');
    expect(processInfo(b)).toBeUndefined();
    expect(log.filter((l) => l === 'start:a')).toHaveLength(3);
  });

  test('OTP defaults: one restart in 5 s is fine, the second is not', async () => {
    const sup = await Supervisor.start({ children: workers([], ['a']) });
    const supExit = awaitExit(sup);
    await endWith((await pids(sup)).a as Pid, 'crash');
    expect(processInfo(sup)).toBeDefined();
    const a = (await pids(sup)).a as Pid;
    await endWith(a, 'crash');
    expect(await supExit).toBe('shutdown');
  });

  test('restarts older than the period no longer count', async () => {
    const sup = await Supervisor.start({ intensity: 1, period: 1, children: workers([], ['a']) });
    await endWith((await pids(sup)).a as Pid, 'crash');
    await new Promise((r) => setTimeout(r, 1050)); // longer than the period (whole seconds, as OTP's): the first restart expires
    await endWith((await pids(sup)).a as Pid, 'crash');
    expect(processInfo(sup)).toBeDefined();
  });

  test('the intensity event and restart events are emitted', async () => {
    const events: string[] = [];
    node.events.on('restart', (e) => events.push(`restart:${e.childId}`));
    node.events.on('intensity', (e) => events.push(`intensity:${e.restarts}`));
    const sup = await Supervisor.start({ intensity: 1, period: 3600, children: workers([], ['a']) });
    const supExit = awaitExit(sup);
    await endWith((await pids(sup)).a as Pid, 'crash');
    await endWith((await pids(sup)).a as Pid, 'crash');
    await supExit;
    expect(events).toEqual(['restart:a', 'intensity:2']);
  });
});

describe('Supervisor: shutdown', () => {
  /** A worker whose terminate takes `delayMs` (Infinity: never finishes). */
  function slowStopper(log: string[]) {
    return GenServer.define({
      init: (delayMs: number, ctx) => {
        ctx.trapExit(true);
        return ok(delayMs);
      },
      terminate: async (reason, delayMs) => {
        log.push(`terminate:${String(reason)}`);
        if (delayMs === Infinity) await new Promise(() => undefined);
        await new Promise((r) => setTimeout(r, delayMs));
        log.push('terminated');
      },
    });
  }

  async function shutdownWith(shutdown: Shutdown, delayMs: number) {
    const log: string[] = [];
    const sup = await Supervisor.start({
      children: [GenServer.childSpec('w', slowStopper(log), delayMs, { shutdown })],
    });
    const child = (await pids(sup)).w as Pid;
    const childExit = awaitExit(child);
    await Supervisor.terminateChild(sup, 'w');
    return { log, reason: await childExit };
  }

  test('a child that ignores shutdown is killed after its timeout', async () => {
    const { log, reason } = await shutdownWith(20, Infinity);
    expect(log).toEqual(['terminate:shutdown']);
    expect(reason).toBe('killed');
  });

  test('a child that finishes terminate within the timeout exits shutdown', async () => {
    const { log, reason } = await shutdownWith(5000, 5);
    expect(log).toEqual(['terminate:shutdown', 'terminated']);
    expect(reason).toBe('shutdown');
  });

  test('brutal_kill kills at once: terminate does not run', async () => {
    const { log, reason } = await shutdownWith('brutal_kill', 5);
    expect(log).toEqual([]);
    expect(reason).toBe('killed');
  });

  test('infinity waits for terminate however long it takes', async () => {
    const { log, reason } = await shutdownWith('infinity', 30);
    expect(log).toEqual(['terminate:shutdown', 'terminated']);
    expect(reason).toBe('shutdown');
  });
});

describe('Supervisor: child management', () => {
  test('startChild, terminateChild, restartChild, deleteChild, countChildren', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ children: workers(log, ['a']) });
    const [spec] = workers(log, ['b']);
    const b = await Supervisor.startChild(sup, spec!);
    expect(processInfo(b as Pid)).toBeDefined();
    // OTP's {error, {already_started, Pid}} for a running child, {error, already_present} for one that is not.
    const again = await Supervisor.startChild(sup, spec!).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(AlreadyStartedError);
    expect(again).toMatchObject({ code: 'already_started' });
    expect((again as AlreadyStartedError).pid!.equals(b as Pid)).toBe(true);
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });

    await expect(Supervisor.deleteChild(sup, 'b')).rejects.toMatchObject({ code: 'running' });
    await Supervisor.terminateChild(sup, 'b');
    expect(processInfo(b as Pid)).toBeUndefined();
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 2, active: 1, supervisors: 0, workers: 2 });
    await expect(Supervisor.startChild(sup, spec!)).rejects.toMatchObject({ code: 'already_present' });
    await expect(Supervisor.startChild(sup, spec!)).rejects.toBeInstanceOf(DuplicateChildError);

    const b2 = await Supervisor.restartChild(sup, 'b');
    expect(processInfo(b2 as Pid)).toBeDefined();
    await expect(Supervisor.restartChild(sup, 'b')).rejects.toMatchObject({ code: 'running' });
    await Supervisor.terminateChild(sup, 'b');
    await Supervisor.deleteChild(sup, 'b');
    expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(['a']);
    await expect(Supervisor.terminateChild(sup, 'zzz')).rejects.toMatchObject({ code: 'not_found' });
  });

  test('a child whose init returns ignore is kept as not running', async () => {
    const def = GenServer.define({ init: () => ignore() });
    const sup = await Supervisor.start({ children: [GenServer.childSpec('quiet', def, undefined)] });
    expect(await Supervisor.whichChildren(sup)).toEqual([
      { id: 'quiet', pid: undefined, type: 'worker', restart: 'permanent' },
    ]);
  });

  test('ignore is a rejection with IgnoredError, from startChild and restartChild as from GenServer.start; the spec stays, not running', async () => {
    let mode: 'ignore' | 'ok' = 'ignore';
    const def = GenServer.define({ init: () => (mode === 'ignore' ? ignore() : ok(null)) });
    const sup = await Supervisor.start({ children: [] });
    await expect(Supervisor.startChild(sup, GenServer.childSpec('quiet', def, undefined))).rejects.toBeInstanceOf(
      IgnoredError,
    );
    // A start function that returns 'ignore' (OTP's spelling) is the same to the caller.
    await expect(Supervisor.startChild(sup, { id: 'plain', start: () => 'ignore' })).rejects.toMatchObject({
      code: 'ignore',
    });
    // A temporary child that ignores is not kept, as in OTP.
    await expect(
      Supervisor.startChild(sup, { id: 'gone', start: () => 'ignore', restart: 'temporary' }),
    ).rejects.toBeInstanceOf(IgnoredError);
    expect(await Supervisor.whichChildren(sup)).toEqual([
      { id: 'quiet', pid: undefined, type: 'worker', restart: 'permanent' },
      { id: 'plain', pid: undefined, type: 'worker', restart: 'permanent' },
    ]);
    await expect(Supervisor.restartChild(sup, 'quiet')).rejects.toBeInstanceOf(IgnoredError);
    mode = 'ok';
    const pid = await Supervisor.restartChild(sup, 'quiet');
    expect(processInfo(pid)).toBeDefined();
  });

  test('a child that fails to start fails the supervisor start and stops those already started', async () => {
    const log: string[] = [];
    const bad = GenServer.define({
      init: () => {
        throw new Error('cannot start');
      },
    });
    const error = await Supervisor.start({
      children: [...workers(log, ['a']), GenServer.childSpec('bad', bad, undefined), ...workers(log, ['c'])],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(JSON.stringify((error as StartError).reason)).toContain('failed_to_start_child');
    expect(log).toEqual(['start:a', 'stop:a:shutdown']);
  });

  test('invalid child specs are rejected at start, naming the field', async () => {
    const start = () => 'ignore' as const;
    const bad = (spec: object) => Supervisor.start({ children: [spec as ChildSpec] });
    await expect(bad({ id: '', start })).rejects.toThrow(/children\[0\]\.id/);
    await expect(bad({ id: 'x' })).rejects.toThrow(/children\[0\]\.start/);
    await expect(bad({ id: 'x', start, restart: 'sometimes' })).rejects.toThrow(/children\[0\]\.restart/);
    await expect(bad({ id: 'x', start, shutdown: -1 })).rejects.toThrow(/children\[0\]\.shutdown/);
    await expect(bad({ id: 'x', start, type: 'thing' })).rejects.toBeInstanceOf(InvalidChildSpecError);
    await expect(Supervisor.start({ strategy: 'all_for_none' as Strategy, children: [] })).rejects.toThrow(/strategy/);
    await expect(
      Supervisor.start({
        children: [
          { id: 'x', start },
          { id: 'x', start },
        ],
      }),
    ).rejects.toBeInstanceOf(DuplicateChildError);
  });
});

describe('Supervisor.stop', () => {
  test('stops the children in reverse start order, then the supervisor, with reason normal by default', async () => {
    const log: string[] = [];
    const sup = await Supervisor.start({ children: workers(log, ['a', 'b', 'c']) });
    const exited = awaitExit(sup);
    await Supervisor.stop(sup);
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c:shutdown', 'stop:b:shutdown', 'stop:a:shutdown']);
    expect(await exited).toBe('normal');
    expect(processInfo(sup)).toBeUndefined();
  });

  test('takes a reason and a timeout, by name too; a supervisor that is not running is a NoProcError', async () => {
    const sup = await Supervisor.start({ children: workers([], ['a']) }, { name: 'top' });
    const exited = awaitExit(sup);
    await Supervisor.stop('top', 'shutdown', 5000);
    expect(await exited).toBe('shutdown');
    await expect(Supervisor.stop(sup)).rejects.toMatchObject({ code: 'noproc' });
  });

  test('DynamicSupervisor.stop shuts its children down, then itself', async () => {
    const log: string[] = [];
    const def = recordingWorker(log);
    const sup = await DynamicSupervisor.start({
      child: { start: (id: string) => GenServer.startLink(def, { id, trap: true }) },
    });
    const children = [await DynamicSupervisor.startChild(sup, 'x'), await DynamicSupervisor.startChild(sup, 'y')];
    await DynamicSupervisor.stop(sup);
    expect(log.filter((l) => l.startsWith('stop:')).sort()).toEqual(['stop:x:shutdown', 'stop:y:shutdown']);
    for (const pid of [sup, ...children]) expect(processInfo(pid)).toBeUndefined();
  });
});

describe('Supervisor: failed restarts', () => {
  /** A worker whose starts fail while `failures` (shared) is above zero. */
  function flaky(state: { failures: number; starts: number }) {
    return GenServer.define({
      init: () => {
        state.starts++;
        if (state.failures > 0) {
          state.failures--;
          throw new Error('not yet');
        }
        return ok(null);
      },
      handleCast: (_m: 'crash') => {
        throw new Error('crash');
      },
    });
  }

  test('a restart that fails is retried, each try counting toward the intensity', async () => {
    const state = { failures: 0, starts: 0 };
    const sup = await Supervisor.start({
      intensity: 5,
      period: 3600,
      children: [GenServer.childSpec('f', flaky(state), undefined)],
    });
    const first = (await pids(sup)).f as Pid;
    state.failures = 2;
    const exited = awaitExit(first);
    GenServer.cast(first, 'crash');
    await exited;
    // Each whichChildren is handled after the retries queued before it.
    let children = await Supervisor.whichChildren(sup);
    while (!(typeof children[0]!.pid === 'object')) children = await Supervisor.whichChildren(sup);
    expect(state.starts).toBe(4); // the first start, two failed restarts, one that worked
    expect(processInfo(children[0]!.pid as Pid)).toBeDefined();
  });

  test('terminateChild on a child that is restarting stops the retries: it stays stopped, as do siblings that waited on it', async () => {
    for (const strategy of ['one_for_one', 'rest_for_one'] as const) {
      const state = { failures: 0, starts: 0 };
      const log: string[] = [];
      const children = [GenServer.childSpec('f', flaky(state), undefined), ...workers(log, ['after'])];
      const sup = await Supervisor.start({ strategy, intensity: 1_000_000, period: 3600, children });
      const first = (await pids(sup)).f as Pid;
      state.failures = Infinity;
      const exited = awaitExit(first);
      GenServer.cast(first, 'crash');
      await exited;
      while ((await pids(sup)).f !== 'restarting');
      await Supervisor.terminateChild(sup, 'f');
      state.failures = 0; // a retry still queued would now succeed
      const now = await pids(sup);
      expect(now.f).toBeUndefined();
      // one_for_one never touched it; rest_for_one stopped it for the restart that is now called off.
      if (strategy === 'one_for_one') expect(processInfo(now.after as Pid)).toBeDefined();
      else expect(now.after).toBeUndefined();
      const restarted = await Supervisor.restartChild(sup, 'f');
      expect(processInfo(restarted as Pid)).toBeDefined();
      const supExit = awaitExit(sup);
      exit(sup, 'kill');
      await supExit;
    }
  });

  test('restarts that keep failing exhaust the intensity and the supervisor gives up', async () => {
    const state = { failures: 0, starts: 0 };
    const sup = await Supervisor.start({
      intensity: 3,
      period: 3600,
      children: [GenServer.childSpec('f', flaky(state), undefined)],
    });
    const supExit = awaitExit(sup);
    state.failures = Infinity;
    GenServer.cast((await pids(sup)).f as Pid, 'crash');
    expect(await supExit).toBe('shutdown');
    expect(state.starts).toBe(4); // the first start and three failed restarts; the fourth exceeds the intensity
  });
});

describe('Supervisor: killed while starting children', () => {
  test('a supervisor killed during a one_for_all restart starts none of the remaining children', async () => {
    const started: Pid[] = [];
    let gate: Promise<void> = Promise.resolve();
    let release!: () => void;
    let entered!: () => void;
    let inInit = new Promise<void>((resolve) => (entered = resolve));
    // Traps exits, so the supervisor's death waits in its mailbox while its (re)start is pending.
    const slow = GenServer.define({
      init: async (_: undefined, ctx) => {
        ctx.trapExit(true);
        started.push(ctx.self);
        entered();
        await gate;
        return ok(null);
      },
      handleCast: (_m: 'crash') => {
        throw new Error('crash');
      },
    });
    const plain = GenServer.define({ init: (_: undefined, ctx) => (started.push(ctx.self), ok(null)) });
    const sup = await Supervisor.start({
      strategy: 'one_for_all',
      intensity: 10,
      period: 60,
      children: [GenServer.childSpec('slow', slow, undefined), GenServer.childSpec('plain', plain, undefined)],
    });
    const first = (await pids(sup)).slow as Pid;
    gate = new Promise<void>((resolve) => (release = resolve));
    inInit = new Promise<void>((resolve) => (entered = resolve));
    const crashed = awaitExit(first);
    GenServer.cast(first, 'crash');
    await crashed;
    await inInit; // the restart is waiting on slow's init
    const supExit = awaitExit(sup);
    exit(sup, 'kill');
    await supExit;
    const restartedSlow = started[started.length - 1]!;
    const slowExit = awaitExit(restartedSlow);
    release();
    expect(await slowExit).toBe('killed'); // its parent's exit, handled once init returned
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(started.filter((pid) => processInfo(pid) !== undefined)).toEqual([]);
  });
});

describe('Supervisor: nesting', () => {
  test('a nested supervisor restarts its own children; when it gives up, the parent restarts it', async () => {
    const log: string[] = [];
    const top = await Supervisor.start({
      strategy: 'one_for_one',
      intensity: 5,
      children: [
        ...workers(log, ['top-worker']),
        Supervisor.childSpec('inner', { intensity: 1, period: 3600, children: workers(log, ['inner-a', 'inner-b']) }),
      ],
    });
    const tree = await supervisionTree(top);
    expect(tree!.children.map((c) => [c.id, c.kind])).toEqual([
      ['top-worker', 'worker'],
      ['inner', 'supervisor'],
    ]);
    const inner = tree!.children[1]!.pid;
    const innerA = (await pids(inner)).a ?? (await pids(inner))['inner-a'];

    // One crash: the inner supervisor handles it.
    await endWith(innerA as Pid, 'crash');
    expect((await pids(top)).inner).toBe(inner);

    // A second crash exceeds the inner intensity: inner exits, top restarts it.
    const innerExit = awaitExit(inner);
    await endWith((await pids(inner))['inner-a'] as Pid, 'crash');
    expect(await innerExit).toBe('shutdown');
    const newInner = (await pids(top)).inner as Pid;
    expect(newInner).not.toBe(inner);
    expect((await Supervisor.whichChildren(newInner)).map((c) => typeof c.pid)).toEqual(['object', 'object']);
    expect((await pids(top))['top-worker']).toBe(tree!.children[0]!.pid);
  });

  test('a named supervisor can be addressed by name', async () => {
    await Supervisor.start({ children: [] }, { name: 'root' });
    expect(whereis('root')).toBeDefined();
    expect(await Supervisor.countChildren('root')).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
  });

  test('killing a supervisor takes its linked children with it', async () => {
    const sup = await Supervisor.start({ children: workers([], ['a']) });
    const a = (await pids(sup)).a as Pid;
    const aExit = awaitExit(a);
    exit(sup, 'kill');
    expect(await aExit).toBe('killed');
  });
});
