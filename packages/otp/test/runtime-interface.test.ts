import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BadArgError, GenServer, Node, ok, reply, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import { processOf } from '../src/process';

// The runtime's internal seams (issue #14): the typed way from a ctx to its process, the
// node's public face, and the cluster reached through the service it installs.

describe('processOf', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });
  afterEach(() => node.stop());

  it('gives back the process a callback ctx is', async () => {
    const seen = GenServer.define({
      init: (_: void, ctx: ProcessContext) => ok(ctx),
      handleCall: (_request: 'pid', _from, ctx: ProcessContext) => reply(processOf(ctx).self, ctx),
    });
    const pid = await GenServer.start(seen, undefined);
    const inside = (await GenServer.call(pid, 'pid')) as Pid;
    expect(inside.equals(pid)).toBe(true);
  });

  it('rejects a ctx the runtime did not give out with a BadArgError', () => {
    const made = { self: spawn(() => undefined) } as unknown as ProcessContext;
    expect(() => processOf(made)).toThrow(BadArgError);
  });
});

describe('Node', () => {
  it('measures itself through stats() on a one-scheduler node', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    try {
      spawn(() => new Promise(() => undefined));
      spawn(() => new Promise(() => undefined));
      const [only, ...others] = node.stats();
      expect(others).toEqual([]);
      expect(only).toMatchObject({ scheduler: 0, alive: true, processes: 2 });
      expect(only!.processes).toBe(node.processCount);
    } finally {
      await node.stop();
    }
  });

  it('reports every scheduler through stats() once the cluster has joined', async () => {
    const node = Node.start({ schedulers: 2, logLevel: 'silent' });
    try {
      expect(node.stats().map((s) => s.scheduler)).toEqual([0, 1]);
    } finally {
      await node.stop();
    }
  });

  it('publishes only its public face in dist/node.d.ts (stripInternal)', () => {
    // `npm test` builds dist first (tsc -b); this reads what a consumer of the package sees.
    const types = readFileSync(path.join(__dirname, '..', 'dist', 'node.d.ts'), 'utf8');
    const body = types.slice(types.indexOf('export declare class Node'));
    const members = [
      ...body.slice(0, body.indexOf('\n}')).matchAll(/^ {4}(?:static |readonly |get |private )*([A-Za-z]+)[(:;<?]/gm),
    ].map((m) => m[1]);
    const shown = members.filter((name) => !/^(table|stoppables|nextPid|nextRef|stopping|allocatePid)$/.test(name!));
    expect(shown.sort()).toEqual(
      [
        'constructor',
        'events',
        'id',
        'isRunning',
        'logger',
        'pid',
        'processCount',
        'schedulerId',
        'start',
        'stats',
        'stop',
      ].sort(),
    );
    for (const internal of ['deliver', 'spawnFrom', 'exitProcess', 'route', 'peer', 'joinCluster'])
      expect(body).not.toContain(` ${internal}(`);
  });
});
