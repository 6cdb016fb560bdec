import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import EventEmitter from 'eventemitter3';
import {
  GenServer,
  MEMORY_WALK_LIMIT,
  allProcesses,
  noreply,
  ok,
  processInfo,
  reply,
  send,
  spawn,
  type Node,
  type TelemetryBus,
  type TelemetryEvents,
} from '@erlmcp/otp';
import { TelemetryForwarder, telemetryReceiver } from '../src/cluster/telemetry-forward';
import { memoryOf } from '../src/process-memory';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

/** Settles the pending 'wait' call of the gate server. */
let release: (() => void) | undefined;

/** A server whose call 'wait' holds its mailbox until `release` is called; casts append to its log. */
const gate = GenServer.define({
  name: 'info_gate',
  init: () => ok({ log: [] as string[] }),
  async handleCall(request: 'wait' | 'ping', _from, state: { log: string[] }) {
    if (request === 'wait') await new Promise<void>((resolve) => (release = resolve));
    return reply(request === 'wait' ? 'released' : 'pong', state);
  },
  handleCast: (line: string, state: { log: string[] }) => noreply({ log: [...state.log, line] }),
});

describe('processInfo: current callback and memory', () => {
  test('names the callback an async call is running, and none once it settles', async () => {
    const pid = await GenServer.start(gate, undefined);
    expect(processInfo(pid)!.currentCallback).toBeNull();
    release = undefined;
    const answer = GenServer.call(pid, 'wait');
    for (let i = 0; i < 200 && release === undefined; i++) await new Promise((r) => setImmediate(r));
    expect(processInfo(pid)).toMatchObject({ status: 'running', currentCallback: 'handleCall' });
    release!();
    await expect(answer).resolves.toBe('released');
    expect(processInfo(pid)!.currentCallback).toBeNull();
    await GenServer.stop(pid);
  });

  test("a spawned function is 'body' while it runs and null while it waits in receive", async () => {
    let seen: string | null | undefined;
    const pid = spawn(async (ctx) => {
      seen = processInfo(ctx.self)!.currentCallback;
      await ctx.receive();
    });
    await new Promise((r) => setImmediate(r));
    expect(seen).toBe('body');
    expect(processInfo(pid)!.currentCallback).toBeNull();
    send(pid, 'go');
  });

  test('memory counts the state and grows with queued messages; the listing skips the walk', async () => {
    const pid = await GenServer.start(gate, undefined);
    const before = processInfo(pid)!.memory!;
    GenServer.cast(pid, 'z'.repeat(50_000));
    expect(await GenServer.call(pid, 'ping')).toBe('pong');
    const withState = processInfo(pid)!.memory!;
    expect(withState).toBeGreaterThanOrEqual(before + 50_000);
    const waiting = spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')));
    await new Promise((r) => setImmediate(r)); // started, and waiting in its selective receive
    for (let i = 0; i < 10; i++) send(waiting, 'q'.repeat(10_000));
    expect(processInfo(waiting)!.messageQueueLen).toBe(10);
    expect(processInfo(waiting)!.memory!).toBeGreaterThanOrEqual(100_000);
    expect((await allProcesses()).every((p) => p.memory === null)).toBe(true);
    await GenServer.stop(pid);
    send(waiting, 'never');
  });

  test('the walk counts a shared object once, does not enter a process, and stops at its limit', () => {
    const shared = { text: 'a'.repeat(1000) };
    expect(memoryOf([[shared, shared]]).bytes).toBe(memoryOf([[shared]]).bytes + 8);
    const viaProcess = memoryOf([{ ctx: { self: 1, node: { huge: 'b'.repeat(1_000_000) } } }]);
    expect(viaProcess.bytes).toBeLessThan(1000);
    const wide = memoryOf([Array.from({ length: MEMORY_WALK_LIMIT + 10 }, (_, i) => i)]);
    expect(wide.truncated).toBe(true);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const counted = memoryOf([value]);
        expect(counted.truncated).toBe(false);
        expect(counted.bytes).toBeGreaterThanOrEqual(0);
        // Counting a value and then it again beside another does not count it twice.
        expect(memoryOf([value, value]).bytes).toBe(
          typeof value === 'object' && value !== null ? counted.bytes : counted.bytes * 2,
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe("a worker scheduler's telemetry reaches the main thread in batches", () => {
  test('a thousand events travel as one message and are emitted again in order, pids intact', async () => {
    const workerBus: TelemetryBus = new EventEmitter<TelemetryEvents>();
    const mainBus: TelemetryBus = new EventEmitter<TelemetryEvents>();
    const { port1, port2 } = new MessageChannel();
    const forwarder = new TelemetryForwarder(workerBus, port1);
    const receive = telemetryReceiver(mainBus, 1);
    let messages = 0;
    port2.on('message', (bytes: Uint8Array) => {
      messages++;
      receive(bytes);
    });
    const got: { pid: string; behaviour: string }[] = [];
    mainBus.on('spawn', (e) => got.push({ pid: String(e.pid), behaviour: e.behaviour }));
    forwarder.set(['spawn']);
    const pid = spawn(() => undefined);
    for (let i = 0; i < 1000; i++) workerBus.emit('spawn', { pid, behaviour: `b${i}`, parent: undefined });
    // Not forwarded: nobody asked for it.
    workerBus.emit('register', { name: 'x', pid });
    forwarder.flush();
    for (let i = 0; i < 100 && got.length < 1000; i++) await new Promise((r) => setTimeout(r, 10));
    expect(messages).toBe(1);
    expect(got).toHaveLength(1000);
    expect(got[999]).toEqual({ pid: String(pid), behaviour: 'b999' });
    forwarder.set([]);
    expect(workerBus.listenerCount('spawn')).toBe(0);
    forwarder.stop();
    port1.close();
  });

  test('a payload with no serialized form is dropped and counted, the rest arrive', async () => {
    const workerBus: TelemetryBus = new EventEmitter<TelemetryEvents>();
    const mainBus: TelemetryBus = new EventEmitter<TelemetryEvents>();
    const { port1, port2 } = new MessageChannel();
    const forwarder = new TelemetryForwarder(workerBus, port1);
    port2.on('message', telemetryReceiver(mainBus, 3));
    const names: string[] = [];
    const dropped: number[] = [];
    mainBus.on('application:start', (e) => names.push(e.name));
    mainBus.on('telemetry:dropped', (e) => dropped.push(e.scheduler, e.events));
    forwarder.set(['application:start']);
    const pid = spawn(() => undefined);
    workerBus.emit('application:start', { name: 'a', pid });
    workerBus.emit('application:start', { name: (() => 'fn') as unknown as string, pid });
    workerBus.emit('application:start', { name: 'c', pid });
    forwarder.flush();
    for (let i = 0; i < 100 && names.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(names).toEqual(['a', 'c']);
    expect(dropped).toEqual([3, 1]);
    forwarder.stop();
    port1.close();
  });
});
