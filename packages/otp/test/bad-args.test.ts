import fc from 'fast-check';
import {
  BadArgError,
  DynamicSupervisor,
  GenServer,
  Supervisor,
  ok,
  processInfo,
  register,
  reply,
  send,
  spawn,
  unregister,
  whereis,
  type Node,
  type ServerName,
  type SupervisorSpec,
} from '@erlmcp/otp';
import { startNode } from './helpers';

/**
 * Bad arguments are a BadArgError at the call, naming what was wrong, as
 * sendAfter's are, and nothing starts or changes: OTP's badarg.
 */
let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

const echo = GenServer.define({
  init: () => ok(null),
  handleCall: (req: string, _from, s: null) => reply(req, s),
});

const isPositiveInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isNonNegativeInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** Any value, weighted towards the numbers a typo or a unit mix-up produces. */
const anyValue = fc.oneof(
  fc.anything(),
  fc.double(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, '5', null),
);

describe('supervisor flags', () => {
  test('period must be a positive integer (seconds) and intensity a non-negative integer; anything else is a BadArgError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('period', 'intensity'), anyValue, async (field, value) => {
        const before = node.processCount;
        const spec = { children: [], [field]: value } as SupervisorSpec;
        const valid =
          value === undefined || (field === 'period' ? isPositiveInteger(value) : isNonNegativeInteger(value));
        const outcome = await Supervisor.start(spec).catch((e: unknown) => e);
        if (valid) {
          expect(processInfo(outcome as never)).toBeDefined();
          await Supervisor.stop(outcome as never);
        } else {
          expect(outcome).toBeInstanceOf(BadArgError);
          expect((outcome as Error).message).toContain(field);
          expect(node.processCount).toBe(before);
        }
        const dynamic = await DynamicSupervisor.start({
          child: { start: () => 'ignore' as const },
          [field]: value,
        }).catch((e: unknown) => e);
        if (valid) await DynamicSupervisor.stop(dynamic as never);
        else expect(dynamic).toBeInstanceOf(BadArgError);
      }),
      { numRuns: 200 },
    );
  });

  test('a fractional period, a bad strategy and a bad maxChildren are BadArgErrors', async () => {
    await expect(Supervisor.start({ period: 0.5, children: [] })).rejects.toThrow(BadArgError);
    await expect(Supervisor.start({ strategy: 'all_for_none' as never, children: [] })).rejects.toThrow(/strategy/);
    await expect(Supervisor.start({ strategy: 'all_for_none' as never, children: [] })).rejects.toBeInstanceOf(
      BadArgError,
    );
    await expect(
      DynamicSupervisor.start({ child: { start: () => 'ignore' as const }, maxChildren: -1 }),
    ).rejects.toBeInstanceOf(BadArgError);
    await expect(
      DynamicSupervisor.start({ child: { start: () => 'ignore' as const }, maxChildren: NaN }),
    ).rejects.toThrow(/maxChildren/);
  });
});

describe('timeouts', () => {
  test('a call timeout that is NaN or negative is a BadArgError, and the server is not called', async () => {
    const pid = await GenServer.start(echo, undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double(), fc.constantFrom(NaN, -1, -0.5, -Infinity, Infinity, 0, 10)),
        async (timeout) => {
          const handled = processInfo(pid)!.messagesHandled;
          const outcome = await GenServer.call(pid, 'hi', timeout).catch((e: unknown) => e);
          if (timeout >= 0) {
            expect(outcome === 'hi' || (outcome as Error).name === 'CallTimeoutError').toBe(true);
          } else {
            expect(outcome).toBeInstanceOf(BadArgError);
            expect((outcome as Error).message).toContain('timeout');
            expect(processInfo(pid)!.messagesHandled).toBe(handled);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('stop, start and receive timeouts that are NaN or negative are BadArgErrors', async () => {
    const pid = await GenServer.start(echo, undefined);
    await expect(GenServer.stop(pid, 'normal', NaN)).rejects.toBeInstanceOf(BadArgError);
    await expect(GenServer.stop(pid, 'normal', -1)).rejects.toBeInstanceOf(BadArgError);
    expect(processInfo(pid)).toBeDefined();
    const before = node.processCount;
    await expect(GenServer.start(echo, undefined, { timeout: NaN })).rejects.toBeInstanceOf(BadArgError);
    await expect(GenServer.start(echo, undefined, { timeout: -5 })).rejects.toBeInstanceOf(BadArgError);
    expect(node.processCount).toBe(before);
    const outcomes: unknown[] = [];
    await new Promise<void>((resolve) =>
      spawn(async (ctx) => {
        for (const timeout of [NaN, -1]) {
          try {
            await ctx.receive(undefined, timeout);
          } catch (error) {
            outcomes.push(error);
          }
        }
        resolve();
      }),
    );
    expect(outcomes.map((e) => e instanceof BadArgError)).toEqual([true, true]);
  });
});

describe('registered names', () => {
  const notAName = fc.anything().filter((v) => typeof v !== 'string');

  test('register, unregister and whereis with a name that is not a string are BadArgErrors', () => {
    const pid = spawn(async (ctx) => void (await ctx.receive()));
    fc.assert(
      fc.property(notAName, (name) => {
        expect(() => register(name as string, pid)).toThrow(BadArgError);
        expect(() => unregister(name as string)).toThrow(BadArgError);
        expect(() => whereis(name as string)).toThrow(BadArgError);
        if (name !== undefined) expect(() => spawn(() => undefined, { name: name as string })).toThrow(BadArgError); // no name is fine
      }),
    );
    expect(processInfo(pid)!.name).toBeNull();
  });

  test('send, call and cast to something that is neither a pid nor a name are BadArgErrors', async () => {
    for (const name of [42, null, { name: 'x' }]) {
      expect(() => send(name as ServerName, 'hi')).toThrow(BadArgError);
      await expect(GenServer.call(name as ServerName, 'hi')).rejects.toBeInstanceOf(BadArgError);
      expect(() => GenServer.cast(name as ServerName, 'hi' as never)).toThrow(BadArgError);
    }
    // A string no one holds is not bad, only absent.
    await expect(GenServer.call('nobody', 'hi')).rejects.toMatchObject({ code: 'noproc' });
  });

  test('start options with a name that is neither a string nor a via name are BadArgErrors, and nothing starts', async () => {
    const before = node.processCount;
    for (const name of [42, null, { name: 'x' }, ['a']]) {
      await expect(GenServer.start(echo, undefined, { name: name as ServerName })).rejects.toBeInstanceOf(BadArgError);
      await expect(Supervisor.start({ children: [] }, { name: name as ServerName })).rejects.toBeInstanceOf(
        BadArgError,
      );
    }
    expect(node.processCount).toBe(before);
  });
});
