// Two nodes, each its own OS process: this jest process (node 'a') and a peer (node 'b').
import {
  CallExitError,
  DownMessage,
  ExitMessage,
  GenServer,
  NoProcError,
  Pid,
  register,
  send,
  spawn,
  via,
  type ProcessContext,
} from '@erlmcp/otp';
import { connect } from '@nats-io/transport-node';
import { DistNode, NodeDownError, UnknownNodeError } from '@erlmcp/distribution';
import { NatsServer } from '../../../test-support/nats-server';
import { CODE, inProcess, Peer, PATIENT } from './helpers';

jest.setTimeout(120_000);

let server: NatsServer;
let a: DistNode;
let b: Peer;
const cluster = 'runtime';

beforeAll(async () => {
  server = await NatsServer.start();
  a = await DistNode.start({ servers: server.url, name: 'a', cluster, ...PATIENT, node: { logLevel: 'silent' } });
  b = await Peer.start({ servers: server.url, name: 'b', cluster, ...PATIENT });
  await a.waitForNodes(['b'], 30_000);
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await server?.stop();
});

type Echo = { echo: unknown; seq: number };

test('a node joins by name: nodes(), nodeId and nodeName agree across the cluster', () => {
  expect(a.nodes()).toEqual(['b']);
  expect(a.nodeId('b')).toBe(b.id);
  expect(a.nodeName(b.id)).toBe('b');
  expect(() => a.nodeId('nobody')).toThrow(UnknownNodeError);
});

test('send to a pid on another node: delivered once each, in the order sent, both ways', async () => {
  const count = 500;
  const received = await inProcess(async (ctx) => {
    const { pid } = await a.spawn('b', { module: CODE, export: 'echo' });
    expect(pid.node).toBe(b.id);
    for (let i = 0; i < count; i++) ctx.send(pid, { from: ctx.self, body: i });
    const got: Echo[] = [];
    while (got.length < count) got.push(await ctx.receive<Echo>(undefined, 30_000));
    ctx.send(pid, 'stop');
    return got;
  });
  expect(received.map((m) => m.echo)).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(received.map((m) => m.seq)).toEqual(Array.from({ length: count }, (_, i) => i));
});

test('a burst from a remote process arrives complete and in order (batched frames)', async () => {
  const count = 2000;
  const numbers = await inProcess(async (ctx) => {
    await a.spawn('b', { module: CODE, export: 'burst', args: [ctx.self, count] });
    const got: number[] = [];
    for (;;) {
      const m = await ctx.receive<{ n?: number; done?: number }>(undefined, 30_000);
      if (m.done !== undefined) return got;
      got.push(m.n!);
    }
  });
  expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(a.stats().framesIn).toBeGreaterThan(0);
});

test('GenServer call and cast on a server started by module and export on another node', async () => {
  const pid = await a.startServer('b', { module: CODE, export: 'counter' }, 10);
  expect(pid).toBeInstanceOf(Pid);
  const server = pid as Pid;
  expect(await GenServer.call(server, { add: 5 })).toBe(15);
  GenServer.cast(server, { add: 1 });
  // The cast was sent first: the call finds it applied (order per pair of processes).
  expect(await GenServer.call(server, 'get')).toBe(16);
  await expect(GenServer.call(server, 'crash')).rejects.toBeInstanceOf(CallExitError);
  // The server is gone now: a later call fails as noproc.
  await expect(GenServer.call(server, 'get')).rejects.toBeInstanceOf(NoProcError);
});

test('a call that outlives its timeout fails with CallTimeoutError; the late reply is dropped', async () => {
  const server = (await a.startServer('b', { module: CODE, export: 'counter' }, 0)) as Pid;
  await expect(GenServer.call(server, { slow: 500 }, 50)).rejects.toMatchObject({ name: 'CallTimeoutError' });
  expect(await GenServer.call(server, { add: 2 })).toBe(2);
  await GenServer.stop(server);
});

test('links carry exit reasons both ways; a trapping process gets EXIT', async () => {
  const reason = await inProcess(
    async (ctx: ProcessContext) => {
      const { pid } = await a.spawn('b', { module: CODE, export: 'exitWith' }, { link: true, parent: ctx });
      ctx.send(pid, 'boom');
      const exit = await ctx.receive<ExitMessage>((m) => m instanceof ExitMessage, 30_000);
      expect(exit.from.equals(pid)).toBe(true);
      return exit.reason;
    },
    { trapExit: true },
  );
  expect(reason).toBe('boom');
});

test('a local process linked to a remote one takes it down with its exit reason', async () => {
  const reason = await inProcess(async (ctx) => {
    const { pid: remote, ref } = await a.spawn('b', { module: CODE, export: 'echo' }, { monitor: true, parent: ctx });
    spawn((inner) => {
      inner.link(remote);
      inner.exit('bye');
    });
    const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage && m.ref === ref, 30_000);
    return down.reason;
  });
  expect(reason).toBe('bye');
});

test('monitor gets DOWN with the reason; monitoring a dead remote pid gets noproc', async () => {
  const result = await inProcess(async (ctx) => {
    const { pid } = await a.spawn('b', { module: CODE, export: 'exitWith' });
    const ref = ctx.monitor(pid);
    ctx.send(pid, 'gone');
    const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage && m.ref === ref, 30_000);
    const again = ctx.monitor(pid);
    const second = await ctx.receive<DownMessage>((m) => m instanceof DownMessage && m.ref === again, 30_000);
    return [down.reason, second.reason];
  });
  expect(result).toEqual(['gone', 'noproc']);
});

test('exit/2 to a remote process kills it; a demonitored process sends no DOWN', async () => {
  const result = await inProcess(async (ctx) => {
    const { pid } = await a.spawn('b', { module: CODE, export: 'echo' });
    const dropped = ctx.monitor(pid);
    ctx.demonitor(dropped);
    const ref = ctx.monitor(pid);
    ctx.exitSignal(pid, 'kill');
    const down = await ctx.receive<DownMessage>((m) => m instanceof DownMessage, 30_000);
    return { sameRef: down.ref === ref, reason: down.reason };
  });
  expect(result).toEqual({ sameRef: true, reason: 'killed' });
});

test('spawn on an unknown node is a typed error; a bad module fails the spawn with its reason', async () => {
  await expect(a.spawn('nobody', { module: CODE, export: 'echo' })).rejects.toBeInstanceOf(UnknownNodeError);
  await expect(a.startServer('b', { module: CODE, export: 'noSuchExport' }, 0)).rejects.toThrow(/noSuchExport/);
});

test('a pid of another node cannot take a local name', async () => {
  const { pid } = await a.spawn('b', { module: CODE, export: 'echo' });
  expect(() => register('remote-name', pid)).toThrow(/another node/);
  send(pid, 'stop');
});

test('garbage on the node and heartbeat subjects is dropped; the node keeps working', async () => {
  const nc = await connect({ servers: server.url });
  const junk = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])];
  for (const bytes of junk) {
    nc.publish(`${cluster}.n.${a.node.id}`, bytes);
    nc.publish(`${cluster}.hb`, bytes);
  }
  nc.publish(`${cluster}.hb`, new TextEncoder().encode('{"id":"x"}'));
  await nc.flush();
  await nc.close();
  const pid = (await a.startServer('b', { module: CODE, export: 'counter' }, 1)) as Pid;
  expect(await GenServer.call(pid, { add: 1 })).toBe(2);
  expect(a.nodes()).toEqual(['b']);
  await GenServer.stop(pid);
});

test('via(global): GenServer.call and cast by a global name reach a server on another node', async () => {
  const pid = (await a.startServer('b', { module: CODE, export: 'counter' }, 3)) as Pid;
  expect(await a.global!.registerName('counter-on-b', pid)).toBe(true);
  expect(await a.global!.registerName('counter-on-b', pid)).toBe(false); // taken, by a live process
  const name = via(a.global!, 'counter-on-b');
  GenServer.cast(name, { add: 1 });
  expect(await GenServer.call(name, 'get')).toBe(4);
  expect(a.global!.registeredNames()).toContain('counter-on-b');
  await a.global!.unregisterName('counter-on-b');
  expect(a.global!.whereisName('counter-on-b')).toBeUndefined();
  await GenServer.stop(pid);
});

test('NodeDownError is a CallExitError with reason noconnection', () => {
  const error = new NodeDownError('<1.64.0>', 1);
  expect(error).toBeInstanceOf(CallExitError);
  expect(error.reason).toBe('noconnection');
});
