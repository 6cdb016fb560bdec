/**
 * Every error class a table call can throw is exported by @erlmcp/ets and
 * comes out of the call it belongs to, catchable by class and by code.
 */
import {
  AccessDeniedError,
  BadArgError,
  DeadlockError,
  Ets,
  EtsError,
  IntegrityError,
  NoSuchKeyError,
  NoSuchTableError,
  ShmError,
  TableDeletedError,
  TableFullError,
  TableNameTakenError,
  UnencodableError,
  WaitTimeoutError,
  deserializeError,
  type SerializedError,
  type Table,
} from '@erlmcp/ets';
import { Node, spawn, type ProcessContext } from '@erlmcp/otp';
import { types } from 'node:util';
import { S_KEYS, stripeBase } from '../src/layout';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

/** What `fn` threw (it must throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

type Case = [name: string, Class: abstract new (...args: never[]) => Error, code: string, trigger: () => unknown];

describe('errors of table calls, by class from @erlmcp/ets', () => {
  it.each<Case>([
    [
      'TableDeletedError',
      TableDeletedError,
      'ERR_ETS_DELETED',
      () => {
        const t = Ets.new('gone');
        Ets.delete(t);
        t.lookup('k');
      },
    ],
    ['NoSuchTableError', NoSuchTableError, 'ERR_ETS_NO_TABLE', () => Ets.table('no such table')],
    [
      'TableNameTakenError',
      TableNameTakenError,
      'ERR_ETS_NAME_TAKEN',
      () => {
        Ets.new('taken', { named: true });
        Ets.new('taken', { named: true });
      },
    ],
    ['NoSuchKeyError', NoSuchKeyError, 'ERR_ETS_NO_KEY', () => Ets.new('keys').lookupElement('absent', 2)],
    [
      'BadArgError',
      BadArgError,
      'ERR_ETS_BADARG',
      () => {
        const t = Ets.new('badarg');
        t.insert(['k', 'text']);
        t.updateCounter('k', 1);
      },
    ],
    [
      'TableFullError',
      TableFullError,
      'ERR_ETS_FULL',
      () => {
        const t = Ets.new('full', { maxBytes: 256 * 1024 });
        for (let n = 0; n < 100_000; n++) t.insert([n, 'v'.repeat(100)]);
      },
    ],
    ['UnencodableError', UnencodableError, 'ERR_ETS_UNENCODABLE', () => Ets.new('fn').insert(['k', () => 1])],
    [
      'IntegrityError',
      IntegrityError,
      'ERR_ETS_INTEGRITY',
      () => {
        const t = Ets.new('damaged');
        t.insert(['k', 1]);
        new Int32Array(t.handle().control)[stripeBase(0) + S_KEYS] = 999; // the stripe's key count, now wrong
        t.check();
      },
    ],
    [
      'DeadlockError',
      DeadlockError,
      'ERR_SHM_DEADLOCK',
      () => {
        const t = Ets.new('reentrant', { readConcurrency: true });
        t.insert(['a', 1]);
        t.insert(['b', 2]);
        // The predicate runs with the stripe held for deleting: calling the table from there would wait on itself.
        t.selectDelete(() => t.member('a'));
      },
    ],
  ])('%s', (_name, Class, code, trigger) => {
    const error = thrown(trigger);
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code: string }).code).toBe(code);
    if (code.startsWith('ERR_ETS_') && Class !== UnencodableError) expect(error).toBeInstanceOf(EtsError);
    if (code.startsWith('ERR_SHM_')) expect(error).toBeInstanceOf(ShmError);
  });

  it('UnencodableError is a TypeError', () => {
    expect(thrown(() => Ets.new('sym').insert([Symbol('k')]))).toBeInstanceOf(TypeError);
  });

  it('AccessDeniedError: a write to a protected table by another than its owner', async () => {
    const node = Node.start({ logLevel: 'silent' });
    try {
      let table!: Table;
      const owner = spawn(async (ctx: ProcessContext) => {
        table = Ets.new('protected');
        await ctx.receive();
      });
      await new Promise((resolve) => setImmediate(resolve));
      const error = thrown(() => table.insert(['x', 1]));
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error).toBeInstanceOf(EtsError);
      expect((error as AccessDeniedError).code).toBe('ERR_ETS_ACCESS');
      node.send(owner, 'stop');
      await node.awaitExit(owner);
    } finally {
      await node.stop();
    }
  });

  it('WaitTimeoutError: the main thread gives up on a stripe a live worker keeps holding', async () => {
    const table = Ets.new('held', { access: 'public' });
    for (let i = 0; i < 10; i++) table.insert([`k${i}`, i]);
    const holder = startWorker('crasher', { handle: table.handle(), mode: 'unpublished', key: 'new-key' });
    await holder.next(ofType('holding'));
    const error = thrown(() => table.lookup('k1'));
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toBeInstanceOf(ShmError);
    expect((error as WaitTimeoutError).code).toBe('ERR_SHM_TIMEOUT');
  });

  it('a bad handle given to Ets.attach is a BadArgError', () => {
    const t = Ets.new('real');
    const handle = t.handle();
    // A copy of the control block, so that the handle does not name a table this thread already has.
    const control = new SharedArrayBuffer(handle.control.byteLength);
    new Uint8Array(control).set(new Uint8Array(handle.control));
    expect(
      thrown(() => Ets.attach({ ...handle, control, arena: { ...handle.arena, buffer: new SharedArrayBuffer(64) } })),
    ).toBeInstanceOf(BadArgError);
    expect(thrown(() => Ets.attach({ ...handle, control: new SharedArrayBuffer(8) }))).toBeInstanceOf(BadArgError);
    expect(thrown(() => Ets.attach({ ...handle, control: 'nope' as unknown as SharedArrayBuffer }))).toBeInstanceOf(
      BadArgError,
    );
  });
});

interface Expected {
  name: string;
  code: string;
  message: string;
  stack: string;
  maxBytes?: number;
}

describe('errors sent to another thread', () => {
  it('from a worker: postMessage alone loses class and code; serializeError keeps both', async () => {
    const table = Ets.new('posted', { access: 'public' });
    const small = Ets.new('small', { access: 'public', maxBytes: 256 * 1024 });
    const w = startWorker('error-poster', { handle: table.handle(), small: small.handle() });
    const { raw, serialized, expected } = await w.next<{
      raw: Error[];
      serialized: SerializedError[];
      expected: Expected[];
    }>(ofType('errors'));
    expect(expected.map((e) => e.name)).toEqual([
      'NoSuchKeyError',
      'TableFullError',
      'DeadlockError',
      'UnencodableError',
    ]);
    for (const [i, error] of raw.entries()) {
      expect(types.isNativeError(error)).toBe(true);
      expect(error.message).toBe(expected[i]!.message);
      expect((error as { code?: string }).code).toBeUndefined();
    }
    const rebuilt = serialized.map((s) => deserializeError(s));
    [NoSuchKeyError, TableFullError, DeadlockError, UnencodableError].forEach((Class, i) =>
      expect(rebuilt[i]).toBeInstanceOf(Class),
    );
    expect(rebuilt[0]).toBeInstanceOf(EtsError);
    expect(rebuilt[2]).toBeInstanceOf(ShmError);
    expect(rebuilt[3]).toBeInstanceOf(TypeError);
    for (const [i, error] of rebuilt.entries()) {
      expect(error).toMatchObject({ name: expected[i]!.name, code: expected[i]!.code, message: expected[i]!.message });
      expect(error.stack).toBe(expected[i]!.stack);
    }
    expect((rebuilt[1] as TableFullError).maxBytes).toBe(256 * 1024);
  });

  it('between schedulers of an otp node: the message keeps the name only; serializeError keeps class and code', async () => {
    const node = Node.start({ schedulers: 2, logLevel: 'silent' });
    try {
      const table = Ets.new('across-schedulers', { access: 'public' });
      const reply = await new Promise<{ raw: Error; serialized: SerializedError; stack: string }>((resolve) => {
        spawn(async (ctx: ProcessContext) => {
          const sender = spawn(
            { module: require.resolve('./fixtures/scheduler-user.js'), export: 'errorSender' },
            { scheduler: 1 },
          );
          ctx.send(sender, { handle: table.handle(), from: ctx.self });
          resolve(await ctx.receive());
        });
      });
      expect(reply.raw.name).toBe('NoSuchKeyError');
      expect((reply.raw as { code?: string }).code).toBeUndefined();
      const error = deserializeError(reply.serialized);
      expect(error).toBeInstanceOf(NoSuchKeyError);
      expect(error).toMatchObject({ code: 'ERR_ETS_NO_KEY', message: reply.raw.message });
      expect(error.stack).toBe(reply.stack);
    } finally {
      await node.stop();
    }
  });
});
