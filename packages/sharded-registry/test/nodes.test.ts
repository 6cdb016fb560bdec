// Shards on two nodes, each its own OS process: this jest process (node 'a') and a peer
// (node 'b', test/fixtures/node-peer.cjs), over a real nats-server. Lookups and registrations
// go to the node that holds the name's shard; holders' exits and a node's death clean up.
import path from 'node:path';
import { Pid, Supervisor, send, spawn, type ProcessContext } from '@erlmcp/otp';
import { DistNode } from '@erlmcp/distribution';
import { NameTakenError, NodeShards, ShardedRegistry } from '@erlmcp/sharded-registry';
import { NatsServer } from '../../../test-support/nats-server';
import { inProcess, Peer, PATIENT, waitFor } from '../../distribution/test/helpers';

jest.setTimeout(180_000);

const PEER = path.join(__dirname, 'fixtures', 'node-peer.cjs');
const CODE = path.join(__dirname, 'fixtures', 'node-code.cjs');

let server: NatsServer;
let a: DistNode;
let b: Peer;
let registry: ShardedRegistry;
let shards: NodeShards;
let sup: Pid;

beforeAll(async () => {
  server = await NatsServer.start();
  a = await DistNode.start({
    servers: server.url,
    name: 'a',
    cluster: 'shards',
    ...PATIENT,
    node: { logLevel: 'silent' },
  });
  registry = ShardedRegistry.create({ shards: 4 });
  shards = new NodeShards(registry, a.directory('registry'), { shards: 16 });
  sup = await Supervisor.start({ children: [registry.childSpec(), shards.childSpec()] });
  b = await Peer.start({ servers: server.url, name: 'b', cluster: 'shards', ...PATIENT }, PEER);
  await a.waitForNodes(['b'], 60_000);
  await waitFor(() => a.directory('registry').router('b') !== undefined, "b's router published");
});

afterAll(async () => {
  await b?.stop();
  if (sup !== undefined) await Supervisor.stop(sup);
  await a?.stop();
  await server?.stop();
});

/** Names owned by `node`, as this node places them. */
function namesOwnedBy(node: string, count: number, prefix: string): string[] {
  const names: string[] = [];
  for (let i = 0; names.length < count && i < 10_000; i++)
    if (shards.ownerOf(`${prefix}${i}`) === node) names.push(`${prefix}${i}`);
  return names;
}

type Lookup = { name: string; pid: Pid | null; owner: string };
type Held = { name: string; registered: boolean; pid?: Pid; code?: string };

async function lookupOnB(ctx: ProcessContext, name: string): Promise<Lookup> {
  await a.spawn('b', { module: CODE, export: 'lookup', args: [name, ctx.self] });
  return ctx.receive<Lookup>((m) => (m as Lookup).name === name && 'owner' in (m as object));
}

/** A process of this node that registers `name` through NodeShards and lives until 'stop'. */
function holderHere(name: string): Promise<Pid> {
  return new Promise((resolve, reject) =>
    spawn(async (ctx) => {
      try {
        await shards.registerName(name, ctx.self);
        resolve(ctx.self);
      } catch (error) {
        reject(error as Error);
        return;
      }
      await ctx.receive((m) => m === 'stop');
    }),
  );
}

test('both nodes agree on owners; shards are spread over both', async () => {
  const [onA] = namesOwnedBy('a', 1, 'agree-');
  const [onB] = namesOwnedBy('b', 1, 'agree-');
  expect(onA).toBeDefined();
  expect(onB).toBeDefined();
  const seen = await inProcess(async (ctx) => [await lookupOnB(ctx, onA!), await lookupOnB(ctx, onB!)]);
  expect(seen.map((s) => s.owner)).toEqual(['a', 'b']);
});

test('registrations and lookups are routed to the node holding the shard, both ways; a taken name is NameTakenError', async () => {
  const [toB] = namesOwnedBy('b', 1, 'route-');
  const [toA] = namesOwnedBy('a', 1, 'route-');
  // Registered here for a process of this node, held in b's tables.
  const mine = await holderHere(toB!);
  expect(registry.whereis(toB!)).toBeUndefined(); // not in this node's tables
  expect((await shards.whereis(toB!))?.pid.equals(mine)).toBe(true);
  const fromB = await inProcess((ctx) => lookupOnB(ctx, toB!));
  expect(fromB.pid?.equals(mine)).toBe(true);
  // Registered on b for b's process, held in this node's tables.
  const held = await inProcess(async (ctx) => {
    await a.spawn('b', { module: CODE, export: 'holder', args: [toA!, ctx.self] });
    return ctx.receive<Held>((m) => (m as Held).name === toA);
  });
  expect(held.registered).toBe(true);
  expect(registry.whereis(toA!)?.pid.equals(held.pid!)).toBe(true);
  expect(held.pid!.node).toBe(b.id);
  // The same name again, from either side: taken, with the holder.
  await expect(holderHere(toA!)).rejects.toBeInstanceOf(NameTakenError);
  const again = await inProcess(async (ctx) => {
    await a.spawn('b', { module: CODE, export: 'holder', args: [toB!, ctx.self] });
    return ctx.receive<Held>((m) => (m as Held).name === toB);
  });
  expect(again).toMatchObject({ registered: false, code: 'ERR_REGISTRY_NAME_TAKEN' });
  // The holder here exits: b's shard process (monitoring it across nodes) removes the name.
  send(mine, 'stop');
  for (let i = 0; i < 600 && (await shards.whereis(toB!)) !== undefined; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await shards.whereis(toB!)).toBeUndefined();
});

test('unregistering a name held on the other node: only its holder may, from a process', async () => {
  const [name] = namesOwnedBy('b', 1, 'unreg-');
  const outcome = await inProcess(async (ctx) => {
    await shards.registerName(name!, ctx.self);
    const stranger = await new Promise<string>((resolve) =>
      spawn(async () => {
        resolve(
          await shards.unregisterName(name!).then(
            () => 'removed',
            (error: { code?: string }) => error.code ?? 'no code',
          ),
        );
      }),
    );
    const stillThere = (await shards.whereis(name!))?.pid.equals(ctx.self) === true;
    await shards.unregisterName(name!);
    return { stranger, stillThere, after: await shards.whereis(name!) };
  });
  expect(outcome).toEqual({ stranger: 'ERR_REGISTRY_NOT_OWNER', stillThere: true, after: undefined });
});

test("b dies: b's holders leave this node's tables (noconnection), and this node's names that b held come back here", async () => {
  const [heldForB] = namesOwnedBy('a', 1, 'death-');
  const [claimed] = namesOwnedBy('b', 1, 'death-');
  const held = await inProcess(async (ctx) => {
    await a.spawn('b', { module: CODE, export: 'holder', args: [heldForB!, ctx.self] });
    return ctx.receive<Held>((m) => (m as Held).name === heldForB);
  });
  expect(held.registered).toBe(true);
  const mine = await holderHere(claimed!);
  expect(registry.whereis(claimed!)).toBeUndefined();
  await b.kill();
  await waitFor(() => !a.nodes().includes('b'), 'a sees b down', 60_000);
  // Every shard is this node's now; the claim was registered again here, for the same live holder.
  expect(shards.ownerOf(claimed!)).toBe('a');
  await waitFor(() => registry.whereis(claimed!)?.pid.equals(mine) === true, 'the claim registered again here');
  // b's holder is gone with its node: its monitor said noconnection and the row went.
  await waitFor(() => registry.whereis(heldForB!) === undefined, "b's holder removed", 60_000);
});
