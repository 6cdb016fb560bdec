import {
  AlreadyRegisteredError,
  BadArgError,
  NoProcError,
  awaitExit,
  cancelTimer,
  register,
  registered,
  send,
  sendAfter,
  spawn,
  unregister,
  whereis,
  type Node,
  type ProcessContext,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

const waitForever = async (ctx: ProcessContext) => void (await ctx.receive((m) => m === 'stop'));

describe('registry', () => {
  test('register, whereis, send by name, unregister', async () => {
    const pid = spawn(waitForever);
    register('svc', pid);
    expect(whereis('svc')).toBe(pid);
    expect(registered()).toContain('svc');
    send('svc', 'stop');
    await awaitExit(pid);
  });

  test('a name is released when its process dies', async () => {
    const pid = spawn(waitForever);
    register('svc', pid);
    send(pid, 'stop');
    await awaitExit(pid);
    expect(whereis('svc')).toBeUndefined();
    const again = spawn(waitForever);
    expect(register('svc', again)).toBe(true);
  });

  test('duplicate names, a second name, dead pids and unknown names are errors that change nothing', async () => {
    const a = spawn(waitForever);
    const b = spawn(waitForever);
    register('svc', a);
    expect(() => register('svc', b)).toThrow(AlreadyRegisteredError);
    expect(() => register('other', a)).toThrow(BadArgError);
    expect(whereis('svc')).toBe(a);
    const dead = spawn(() => undefined);
    await awaitExit(dead);
    expect(() => register('ghost', dead)).toThrow(NoProcError);
    expect(() => unregister('nobody')).toThrow(BadArgError);
    unregister('svc');
    expect(whereis('svc')).toBeUndefined();
    expect(register('svc', b)).toBe(true);
  });

  test('spawn with a name registers atomically, and a taken name refuses the spawn', () => {
    const a = spawn(waitForever, { name: 'one' });
    expect(whereis('one')).toBe(a);
    const before = node.processCount;
    expect(() => spawn(waitForever, { name: 'one' })).toThrow(AlreadyRegisteredError);
    expect(node.processCount).toBe(before);
  });
});

describe('timers', () => {
  test('sendAfter delivers after the delay; cancelTimer stops it and returns what was left', async () => {
    const got: unknown[] = [];
    const pid = spawn(async (ctx) => {
      got.push(await ctx.receive());
      got.push(await ctx.receive(undefined, 40));
    });
    const cancelled = sendAfter(20, pid, 'never');
    sendAfter(5, pid, 'tick');
    const left = cancelTimer(cancelled);
    expect(typeof left).toBe('number');
    expect(left as number).toBeLessThanOrEqual(20);
    expect(cancelTimer(cancelled)).toBe(false);
    await awaitExit(pid);
    expect(got).toEqual(['tick', undefined]);
  });

  test('a timer addressed to a pid is cancelled when that process exits; one addressed to a name is not', async () => {
    const pid = spawn(waitForever, { name: 'mortal' });
    const byPid = sendAfter(3_600_000, pid, 'later');
    const byName = sendAfter(3_600_000, 'mortal', 'later');
    send(pid, 'stop');
    await awaitExit(pid);
    expect(cancelTimer(byPid)).toBe(false);
    expect(cancelTimer(byName)).not.toBe(false);
    expect(cancelTimer(sendAfter(3_600_000, pid, 'to the dead'))).toBe(false);
  });

  test('sendAfter with a negative, NaN or infinite time is a BadArgError and sets no timer', async () => {
    const got: unknown[] = [];
    const pid = spawn(async (ctx) => void got.push(await ctx.receive()));
    for (const ms of [-1, NaN, Infinity]) expect(() => sendAfter(ms, pid, 'bad')).toThrow(BadArgError);
    sendAfter(10, pid, 'good');
    await awaitExit(pid);
    expect(got).toEqual(['good']);
  });

  test('sendAfter to a name resolves the name when it fires; ctx.sendAfter targets self', async () => {
    const got: unknown[] = [];
    const pid = spawn(
      async (ctx) => {
        ctx.sendAfter(1, 'self-tick');
        got.push(await ctx.receive());
        got.push(await ctx.receive());
      },
      { name: 'late' },
    );
    sendAfter(2, 'late', 'named-tick');
    await awaitExit(pid);
    expect(got.sort()).toEqual(['named-tick', 'self-tick']);
  });
});
