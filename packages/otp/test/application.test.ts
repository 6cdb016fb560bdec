import Transport from 'winston-transport';
import winston from 'winston';
import {
  AlreadyStartedError,
  Application,
  GenServer,
  Node,
  Supervisor,
  awaitExit,
  ok,
  processInfo,
  reply,
  supervisionTree,
  type Pid,
  type TreeNode,
} from '@erlmcp/otp';
import { endWith, recordingWorker } from './helpers';

/** Collects winston log entries in memory. */
class MemoryTransport extends Transport {
  readonly entries: { level: string; message: string }[] = [];
  override log(info: { level: string; message: string }, next: () => void): void {
    this.entries.push({ level: info.level, message: info.message });
    next();
  }
}

let node: Node;
let memory: MemoryTransport;
beforeEach(() => {
  memory = new MemoryTransport();
  node = Node.start({ logger: winston.createLogger({ level: 'debug', transports: [memory] }) });
});
afterEach(() => node.stop());

function shape(tree: TreeNode): unknown {
  return { id: tree.id, kind: tree.kind, children: tree.children.map(shape) };
}

describe('Application', () => {
  test('starts a top supervisor from a definition and stops it in order', async () => {
    const log: string[] = [];
    const def = recordingWorker(log);
    const calls: string[] = [];
    const app = await Application.start({
      name: 'shop',
      supervisor: {
        children: [
          GenServer.childSpec('db', def, { id: 'db', trap: true }),
          Supervisor.childSpec('web', { children: [GenServer.childSpec('http', def, { id: 'http', trap: true })] }),
        ],
      },
      prepStop: () => void calls.push('prepStop'),
      stop: () => void calls.push('stop'),
    });
    expect(Application.which()).toEqual(['shop']);
    expect(shape((await supervisionTree(app.pid))!)).toEqual({
      id: undefined,
      kind: 'supervisor',
      children: [
        { id: 'db', kind: 'worker', children: [] },
        { id: 'web', kind: 'supervisor', children: [{ id: 'http', kind: 'worker', children: [] }] },
      ],
    });
    await Application.stop('shop');
    expect(log).toEqual(['start:db', 'start:http', 'stop:http:shutdown', 'stop:db:shutdown']);
    expect(calls).toEqual(['prepStop', 'stop']);
    expect(Application.which()).toEqual([]);
    expect(processInfo(app.pid)).toBeUndefined();
  });

  test('node stop stops applications newest first', async () => {
    const log: string[] = [];
    const def = recordingWorker(log);
    await Application.start({
      name: 'first',
      supervisor: { children: [GenServer.childSpec('a', def, { id: 'a', trap: true })] },
    });
    await Application.start({
      name: 'second',
      supervisor: { children: [GenServer.childSpec('b', def, { id: 'b', trap: true })] },
    });
    await node.stop();
    expect(log).toEqual(['start:a', 'start:b', 'stop:b:shutdown', 'stop:a:shutdown']);
    expect(node.processCount).toBe(0);
  });

  test('two concurrent starts of one name start one tree; the other rejects with already_started', async () => {
    const log: string[] = [];
    const def = recordingWorker(log);
    const spec = { name: 'twice', supervisor: { children: [GenServer.childSpec('w', def, { id: 'w' })] } };
    const results = await Promise.allSettled([Application.start(spec), Application.start(spec)]);
    const started = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(AlreadyStartedError);
    expect((rejected[0]!.reason as AlreadyStartedError).code).toBe('already_started');
    expect(log).toEqual(['start:w']);
    expect(Application.which()).toEqual(['twice']);
    // A start after the first has finished names the running tree's pid.
    const again = await Application.start(spec).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(AlreadyStartedError);
    expect((again as AlreadyStartedError).pid).toEqual(Application.get('twice')!.pid);
  });

  test('a start that fails releases the name, so a later start of it succeeds', async () => {
    let attempts = 0;
    const failing = async (): Promise<Pid> => {
      attempts += 1;
      throw new Error('no tree');
    };
    const first = Application.start({ name: 'retry', supervisor: failing });
    const second = Application.start({ name: 'retry', supervisor: failing });
    await expect(first).rejects.toThrow('no tree');
    await expect(second).rejects.toBeInstanceOf(AlreadyStartedError);
    expect(attempts).toBe(1);
    expect(Application.which()).toEqual([]);
    const app = await Application.start({ name: 'retry', supervisor: { children: [] } });
    expect(Application.which()).toEqual(['retry']);
    await app.stop();
  });

  test('an application whose tree gives up is reported as stopped', async () => {
    const def = recordingWorker([]);
    const stopped: string[] = [];
    node.events.on('application:stop', (e) => stopped.push(`${e.name}:${String(e.reason)}`));
    const app = await Application.start({
      name: 'fragile',
      supervisor: { intensity: 0, children: [GenServer.childSpec('w', def, { id: 'w' })] },
    });
    const [child] = await Supervisor.whichChildren(app.pid);
    await endWith(child!.pid as Pid, 'crash');
    await app.exited;
    await new Promise((r) => setImmediate(r));
    expect(stopped).toEqual(['fragile:shutdown']);
    expect(app.running).toBe(false);
  });
});

describe('logging and telemetry', () => {
  test('a crash writes a crash report and a supervisor report naming the child, and the restart', async () => {
    const def = recordingWorker([]);
    const sup = await Supervisor.start({ children: [GenServer.childSpec('payments', def, { id: 'payments' })] });
    const [child] = await Supervisor.whichChildren(sup);
    await endWith(child!.pid as Pid, 'crash');
    await Supervisor.whichChildren(sup);
    const messages = memory.entries.map((e) => `${e.level}: ${e.message}`);
    expect(messages.some((m) => m.startsWith('error: crash report') && m.includes('boom'))).toBe(true);
    expect(messages.some((m) => m.includes('child_terminated payments') && m.includes('boom'))).toBe(true);
    expect(messages.some((m) => m.startsWith('info: supervisor report') && m.includes('restarted payments'))).toBe(
      true,
    );
  });

  test('a child killed because terminate outlasted its shutdown timeout gets a shutdown_error report; one that stopped in time does not', async () => {
    const slow = GenServer.define({
      init: (hang: boolean, ctx) => {
        ctx.trapExit(true);
        return ok(hang);
      },
      terminate: async (_reason, hang) => {
        if (hang) await new Promise(() => undefined);
      },
    });
    const sup = await Supervisor.start({
      children: [
        GenServer.childSpec('prompt', slow, false, { shutdown: 1000 }),
        GenServer.childSpec('stuck', slow, true, { shutdown: 10 }),
      ],
    });
    await Supervisor.terminateChild(sup, 'prompt');
    await Supervisor.terminateChild(sup, 'stuck');
    const reports = memory.entries.filter((e) => e.message.includes('shutdown_error')).map((e) => e.message);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/shutdown_error stuck .*killed/);
  });

  test('spawn and exit events reach the telemetry bus', async () => {
    const events: string[] = [];
    node.events.on('spawn', (e) => events.push(`spawn:${e.behaviour}`));
    node.events.on('exit', (e) => events.push(`exit:${String(e.reason)}`));
    const def = GenServer.define({ init: () => ok(0), handleCall: (_r: 'x', _f, s: number) => reply(s, s) });
    const pid = await GenServer.start(def, undefined);
    await GenServer.stop(pid);
    await awaitExit(pid);
    expect(events).toEqual(['spawn:gen_server', 'exit:normal']);
  });
});
