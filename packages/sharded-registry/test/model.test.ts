import fc from 'fast-check';
import { GenServer, Node, awaitExit, exit, type Pid } from '@erlmcp/otp';
import { ShardedRegistry } from '@erlmcp/sharded-registry';
import { holderDef } from './helpers';

type Command =
  | { kind: 'register'; name: number; proc: number }
  | { kind: 'unregister'; name: number; proc: number }
  | { kind: 'unregisterAsNode'; name: number }
  | { kind: 'exit'; proc: number };

const NAMES = 6;
const PROCS = 3;
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), name: fc.nat(NAMES - 1), proc: fc.nat(PROCS - 1) }),
  fc.record({ kind: fc.constant('unregister' as const), name: fc.nat(NAMES - 1), proc: fc.nat(PROCS - 1) }),
  fc.record({ kind: fc.constant('unregisterAsNode' as const), name: fc.nat(NAMES - 1) }),
  fc.record({ kind: fc.constant('exit' as const), proc: fc.nat(PROCS - 1) }),
);

let node: Node;
beforeAll(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterAll(() => node.stop());

test('random register / unregister / exit sequences agree with a Map model, whatever the lookup cache size; lookups are counted exactly', async () => {
  await fc.assert(
    // A cache of 0, 1 or 2 entries is emptied on most lookups: answers must not depend on what it held.
    fc.asyncProperty(
      fc.array(command, { maxLength: 60 }),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(0, 1, 2, 1_000_000),
      async (commands, shards, cacheEntries) => {
        const registry = ShardedRegistry.create({ shards, maxShards: 8, tableBytes: 1 << 18, cacheEntries });
        await registry.start();
        const holder = holderDef(registry);
        const procs: (Pid | null)[] = [];
        for (let i = 0; i < PROCS; i++) procs.push(await GenServer.start(holder, undefined));
        const model = new Map<string, number>();
        const name = (n: number) => `name-${n}`;
        const lookups = new Array<number>(shards).fill(0);
        try {
          for (const c of commands) {
            if (c.kind === 'register') {
              const pid = procs[c.proc];
              if (pid === null) {
                continue; // a dead process cannot ask; DeadPidError is covered in registry.test.ts
              }
              const outcome = await GenServer.call(pid!, { register: name(c.name) });
              const expected = model.has(name(c.name)) ? 'ERR_REGISTRY_NAME_TAKEN' : 'ok';
              expect(outcome).toBe(expected);
              if (expected === 'ok') model.set(name(c.name), c.proc);
            } else if (c.kind === 'unregister') {
              const pid = procs[c.proc];
              if (pid === null) continue;
              const outcome = await GenServer.call(pid!, { unregister: name(c.name) });
              const holderIdx = model.get(name(c.name));
              const expected =
                holderIdx === undefined
                  ? 'ERR_REGISTRY_NOT_REGISTERED'
                  : holderIdx !== c.proc
                    ? 'ERR_REGISTRY_NOT_OWNER'
                    : 'ok';
              expect(outcome).toBe(expected);
              if (expected === 'ok') model.delete(name(c.name));
            } else if (c.kind === 'unregisterAsNode') {
              const outcome = await registry.unregisterName(name(c.name)).then(
                () => 'ok',
                (e: { code: string }) => e.code,
              );
              expect(outcome).toBe(model.has(name(c.name)) ? 'ok' : 'ERR_REGISTRY_NOT_REGISTERED');
              model.delete(name(c.name));
            } else {
              const pid = procs[c.proc];
              if (pid === null) continue;
              exit(pid!, 'kill');
              await awaitExit(pid!);
              await registry.settle();
              procs[c.proc] = null;
              for (const [n, p] of [...model]) if (p === c.proc) model.delete(n);
            }
            for (let n = 0; n < NAMES; n++) {
              const found = registry.whereis(name(n));
              lookups[registry.shardOf(name(n))]!++;
              const expected = model.get(name(n));
              if (expected === undefined) expect(found).toBeUndefined();
              else expect(found?.pid.equals(procs[expected]!)).toBe(true);
            }
            expect(registry.count()).toBe(model.size);
            expect(registry.stats().map((s) => s.lookups)).toEqual(lookups);
          }
        } finally {
          for (const pid of procs) if (pid !== null) exit(pid, 'kill');
          await registry.stop();
        }
      },
    ),
    { numRuns: 200 },
  );
});
