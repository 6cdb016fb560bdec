/**
 * startLink when init fails, as gen_server and proc_lib:start_link do it (OTP 26+): init's
 * `stop` or an exception ends the new process with that reason, and the exit reaches the
 * caller through the link. A caller that does not trap exits dies of it (unless the reason
 * is normal); a trapping caller gets the EXIT, which the start consumes, and the start
 * rejects. `ignore` ends the process `normal`, quietly.
 */
import {
  BadArgError,
  Crash,
  DynamicSupervisor,
  ExitMessage,
  GenServer,
  IgnoredError,
  NoCurrentProcessError,
  NoProcError,
  StartError,
  Supervisor,
  awaitExit,
  exit,
  ignore,
  ok,
  processInfo,
  send,
  spawn,
  stop,
  whereis,
  type ExitReason,
  type Node,
  type Pid,
  type ProcessContext,
} from '@erlmcp/otp';
import { startNode, tick } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Mode = 'stop' | 'stop_normal' | 'throw' | 'reject' | 'ignore' | 'ok';

const picky = GenServer.define({
  init: async (mode: Mode) => {
    if (mode === 'reject') throw new Error('async init blew up');
    return ok(mode);
  },
});

const syncPicky = GenServer.define({
  init: (mode: Mode) => {
    switch (mode) {
      case 'stop':
        return stop('bad_config', undefined);
      case 'stop_normal':
        return stop('normal', undefined);
      case 'throw':
        throw new Error('init blew up');
      case 'ignore':
        return ignore();
      default:
        return ok(mode);
    }
  },
});

interface CallerReport {
  /** What startLink settled with, if the caller's code ever ran again. */
  outcome?: unknown;
  /** A message left in the caller's mailbox after the start (an unconsumed EXIT), or undefined. */
  leftover?: unknown;
  server?: Pid;
}

/** A process that startLinks `mode` (trapping exits if asked) and reports what it saw. */
function caller(mode: Mode, trap: boolean, report: CallerReport, name: string): Pid {
  return spawn(async (ctx: ProcessContext) => {
    ctx.trapExit(trap);
    const def = mode === 'reject' ? picky : syncPicky;
    const started = GenServer.startLink(def, mode, { name });
    report.server = whereis(name); // registered before init runs
    try {
      report.outcome = await started;
    } catch (error) {
      report.outcome = error;
    }
    report.leftover = await ctx.receive(undefined, 0);
    await ctx.receive((m) => m === 'end');
  });
}

/** Lets the microtasks and a turn of the event loop run: a killed caller's code would run by then. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await tick();
}

describe('startLink: init fails', () => {
  test.each<[Mode, (reason: ExitReason) => void]>([
    ['stop', (reason) => expect(reason).toBe('bad_config')],
    ['throw', (reason) => expect((reason as Crash).message).toBe('init blew up')],
    ['reject', (reason) => expect((reason as Crash).message).toBe('async init blew up')],
  ])(
    'init %s: the server exits with the reason and a caller that does not trap exits dies of it',
    async (mode, check) => {
      const exits = new Map<string, ExitReason>();
      node.events.on('exit', (e) => exits.set(e.pid.toString(), e.reason));
      const report: CallerReport = {};
      const pid = caller(mode, false, report, `failing_${mode}`);
      // Until the caller is gone, or has gone on past its start (it should not).
      while (processInfo(pid) !== undefined && !('leftover' in report)) await tick();
      expect(processInfo(pid)).toBeUndefined();
      const serverReason = exits.get(report.server!.toString())!;
      check(serverReason);
      expect(exits.get(pid.toString())).toBe(serverReason);
      await settle();
      // The caller was killed: nothing after its await ran.
      expect(report).toEqual({ server: report.server });
      expect(whereis(`failing_${mode}`)).toBeUndefined();
    },
  );

  test.each<Mode>(['stop', 'throw', 'reject'])(
    'init %s: a trapping caller survives, the start rejects with the reason, and the EXIT is consumed',
    async (mode) => {
      const report: CallerReport = {};
      const pid = caller(mode, true, report, `trapped_${mode}`);
      while (!('leftover' in report)) await tick();
      expect(report.outcome).toBeInstanceOf(StartError);
      const reason = (report.outcome as StartError).reason;
      if (mode === 'stop') expect(reason).toBe('bad_config');
      else expect(reason).toBeInstanceOf(Crash);
      expect(report.leftover).toBeUndefined(); // no {'EXIT', Server, Reason} left behind
      expect(processInfo(pid)).toBeDefined();
      // The name was released before the start rejected: it can be taken again at once.
      expect(whereis(`trapped_${mode}`)).toBeUndefined();
      send(pid, 'end');
    },
  );

  test.each([false, true])(
    'init stop(normal): the caller (trapping: %s) survives and the start rejects',
    async (trap) => {
      const report: CallerReport = {};
      const pid = caller('stop_normal', trap, report, `normal_${String(trap)}`);
      while (!('leftover' in report)) await tick();
      expect(report.outcome).toBeInstanceOf(StartError);
      expect((report.outcome as StartError).reason).toBe('normal');
      expect(report.leftover).toBeUndefined();
      expect(processInfo(pid)).toBeDefined();
      send(pid, 'end');
    },
  );

  test.each([false, true])(
    'init ignore: the server exits normal, the caller (trapping: %s) survives and gets no EXIT',
    async (trap) => {
      const report: CallerReport = {};
      const pid = caller('ignore', trap, report, `ignored_${String(trap)}`);
      while (!('leftover' in report)) await tick();
      expect(report.outcome).toBeInstanceOf(IgnoredError);
      expect(report.leftover).toBeUndefined();
      expect(processInfo(pid)).toBeDefined();
      send(pid, 'end');
    },
  );

  test('outside any process, GenServer.start cannot kill anyone: the rejection stays', async () => {
    const error = await GenServer.start(syncPicky, 'stop').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).reason).toBe('bad_config');
  });

  test('a supervisor (trapping) whose child fails init reports the failure and is not killed by it', async () => {
    const sup = await Supervisor.start({ children: [] });
    const error = await Supervisor.startChild(sup, GenServer.childSpec('bad', syncPicky, 'stop')).catch(
      (e: unknown) => e,
    );
    expect((error as StartError).reason).toBe('bad_config');
    expect(processInfo(sup)).toBeDefined();
    expect(processInfo(sup)!.messageQueueLen).toBe(0);
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
  });

  test("Supervisor.startLink whose child fails kills a caller that does not trap exits, with the supervisor's reason", async () => {
    let after = false;
    const pid = spawn(async () => {
      await Supervisor.startLink({ children: [GenServer.childSpec('bad', syncPicky, 'stop')] });
      after = true;
    });
    const exited = awaitExit(pid);
    while (processInfo(pid) !== undefined && !after) await tick();
    expect(after).toBe(false);
    const reason = await exited;
    expect(reason).toEqual({
      shutdown: { failed_to_start_child: 'bad', reason: expect.stringContaining('bad_config') },
    });
    await settle();
    expect(after).toBe(false);
  });

  test('a trapping caller sees the EXIT of a process that was not its failed start', async () => {
    const seen: unknown[] = [];
    const pid = spawn(async (ctx) => {
      ctx.trapExit(true);
      const other = ctx.spawnLink(() => {
        throw new Error('other died');
      });
      await GenServer.startLink(syncPicky, 'stop').catch(() => undefined);
      const message = await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage);
      seen.push(message.from.equals(other));
    });
    await awaitExit(pid);
    expect(seen).toEqual([true]);
  });
});

describe('startLink after an await', () => {
  const worker = GenServer.define({ init: () => ok(null) });
  const supSpec = { children: [] };
  const dynSpec = { child: { start: () => GenServer.startLink(worker, undefined) } };
  type Starter = (parent?: ProcessContext) => Promise<Pid>;
  const starters: [string, Starter][] = [
    ['GenServer', (parent) => GenServer.startLink(worker, undefined, { parent })],
    ['Supervisor', (parent) => Supervisor.startLink(supSpec, { parent })],
    ['DynamicSupervisor', (parent) => DynamicSupervisor.startLink(dynSpec, { parent })],
  ];

  /** Runs `body` in a process, after an await, and hands back what it returned or threw. */
  function afterAwait<T>(body: (ctx: ProcessContext) => Promise<T>): { pid: Pid; outcome: Promise<unknown> } {
    let done!: (value: unknown) => void;
    const outcome = new Promise<unknown>((resolve) => (done = resolve));
    const pid = spawn(async (ctx) => {
      await tick();
      done(await body(ctx).catch((e: unknown) => e));
      await ctx.receive((m) => m === 'end');
    });
    return { pid, outcome };
  }

  test.each(starters)(
    '%s.startLink after an await, without its ctx, is a NoCurrentProcessError and starts nothing',
    async (_name, start) => {
      const before = node.processCount;
      const { pid, outcome } = afterAwait(() => start());
      expect(await outcome).toBeInstanceOf(NoCurrentProcessError);
      expect(node.processCount).toBe(before + 1); // only the caller
      send(pid, 'end');
    },
  );

  test.each(starters)('%s.startLink outside any process is a NoCurrentProcessError', async (_name, start) => {
    await expect(start()).rejects.toBeInstanceOf(NoCurrentProcessError);
  });

  test.each(starters)(
    '%s.startLink after an await with { parent: ctx } links to the caller, and dies with it',
    async (_name, start) => {
      const { pid, outcome } = afterAwait((ctx) => start(ctx));
      const child = (await outcome) as Pid;
      expect(processInfo(child)!.links.map(String)).toEqual([String(pid)]);
      const childExit = awaitExit(child);
      exit(pid, 'boom');
      expect(await childExit).toBe('boom');
    },
  );

  test.each(starters)('%s.startLink with a parent that is not a ctx, or is dead, is refused', async (_name, start) => {
    await expect(start({ self: spawn(() => undefined) } as unknown as ProcessContext)).rejects.toBeInstanceOf(
      BadArgError,
    );
    let dead!: ProcessContext;
    const gone = spawn((ctx) => void (dead = ctx));
    await awaitExit(gone);
    await expect(start(dead)).rejects.toBeInstanceOf(NoProcError);
  });
});
