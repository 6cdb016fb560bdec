/**
 * Errors crossing threads: a structured clone keeps an Error's message and
 * stack but not its class or code; serializeError / deserializeError carry
 * both, across a real worker, JSON and structured cloning.
 */
import fc from 'fast-check';
import { types } from 'node:util';
import {
  DeadlockError,
  NotOwnerError,
  OutOfMemoryError,
  ShmError,
  WaitTimeoutError,
  deserializeError,
  isSerializedError,
  registerErrorClasses,
  serializeError,
  type CodedErrorClass,
  type SerializedError,
} from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

interface Expected {
  name: string;
  code: string;
  message: string;
  stack: string;
  requested?: number;
  maxBytes?: number;
}

describe('shm errors posted from a worker', () => {
  it('arrive as plain Errors without their code, and whole through serializeError', async () => {
    const w = startWorker('error-poster', {});
    const { raw, serialized, expected } = await w.next<{
      raw: Error[];
      serialized: SerializedError[];
      expected: Expected[];
    }>(ofType('errors'));
    expect(expected.map((e) => e.name)).toEqual(['NotOwnerError', 'OutOfMemoryError', 'DeadlockError']);
    // What postMessage alone delivers (V8's structured clone of an Error): the class and the code are gone.
    for (const [i, error] of raw.entries()) {
      expect(types.isNativeError(error)).toBe(true); // (of the main realm, not jest's: no instanceof Error here)
      expect(error.name).toBe('Error');
      expect(error).not.toBeInstanceOf(ShmError);
      expect(error.message).toBe(expected[i]!.message);
      expect((error as { code?: string }).code).toBeUndefined();
    }
    const rebuilt = serialized.map((s) => deserializeError(s));
    expect(rebuilt[0]).toBeInstanceOf(NotOwnerError);
    expect(rebuilt[1]).toBeInstanceOf(OutOfMemoryError);
    expect(rebuilt[2]).toBeInstanceOf(DeadlockError);
    for (const [i, error] of rebuilt.entries()) {
      const want = expected[i]!;
      expect(error).toBeInstanceOf(ShmError);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: want.name, code: want.code, message: want.message });
      expect(error.stack).toBe(want.stack);
      expect(Object.prototype.toString.call(error)).toBe('[object Error]');
    }
    expect(rebuilt[1]).toMatchObject({ requested: expected[1]!.requested, maxBytes: expected[1]!.maxBytes });
    expect((rebuilt[1] as OutOfMemoryError).requested).toBe(1 << 20);
  });
});

describe('serializeError / deserializeError', () => {
  it('survives JSON and structured cloning, cause included', () => {
    const inner = new OutOfMemoryError(100, 64);
    const outer = new Error('outer', { cause: inner });
    for (const copy of [
      structuredClone(serializeError(outer)),
      JSON.parse(JSON.stringify(serializeError(outer))) as unknown,
    ]) {
      expect(isSerializedError(copy)).toBe(true);
      const back = deserializeError(copy as SerializedError);
      expect(back).toBeInstanceOf(Error);
      expect(back.message).toBe('outer');
      expect(back.cause).toBeInstanceOf(OutOfMemoryError);
      expect(back.cause).toMatchObject({
        code: 'ERR_SHM_OUT_OF_MEMORY',
        requested: 100,
        maxBytes: 64,
        message: inner.message,
      });
    }
  });

  it('an error of a class nobody registered keeps its name, code and plain fields, as an Error', () => {
    const error = Object.assign(new RangeError('no such thing'), {
      code: 'ERR_ELSEWHERE',
      errno: -2,
      detail: { nested: true },
      fn: () => 1,
    });
    const back = deserializeError(structuredClone(serializeError(error)));
    expect(back).toBeInstanceOf(RangeError);
    expect(back).toMatchObject({ name: 'RangeError', code: 'ERR_ELSEWHERE', errno: -2, message: 'no such thing' });
    // Only primitive fields travel: an object or a function might not survive the trip.
    expect(back).not.toHaveProperty('detail');
    expect(back).not.toHaveProperty('fn');
    const custom = Object.assign(new Error('custom'), { name: 'MyError', code: 'ERR_MINE' });
    expect(deserializeError(serializeError(custom))).toMatchObject({
      name: 'MyError',
      code: 'ERR_MINE',
      message: 'custom',
    });
  });

  it('rebuilds a class registered by the application', () => {
    class QuotaError extends Error {
      static readonly code = 'ERR_APP_QUOTA';
      readonly code = QuotaError.code;
      constructor(readonly limit: number) {
        super(`over the quota of ${limit}`);
        this.name = 'QuotaError';
      }
    }
    registerErrorClasses([QuotaError]);
    const back = deserializeError(structuredClone(serializeError(new QuotaError(5))));
    expect(back).toBeInstanceOf(QuotaError);
    expect(back).toMatchObject({ code: 'ERR_APP_QUOTA', limit: 5, message: 'over the quota of 5' });
  });

  it('refuses what it cannot carry or rebuild with a TypeError', () => {
    expect(() => serializeError('not an error' as unknown as Error)).toThrow(TypeError);
    expect(() => deserializeError({ name: 'Error' } as unknown as SerializedError)).toThrow(TypeError);
    expect(() => deserializeError(null as unknown as SerializedError)).toThrow(TypeError);
    expect(isSerializedError({ kind: 'error' })).toBe(false);
    expect(() => registerErrorClasses([class Nameless extends Error {} as unknown as CodedErrorClass])).toThrow(
      TypeError,
    );
  });

  it('a cyclic cause chain ends instead of recursing forever', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const back = deserializeError(structuredClone(serializeError(a)));
    expect(back.message).toBe('a');
    expect((back.cause as Error).message).toBe('b');
  });

  it('round trip keeps message, code and fields for any text (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer(), fc.nat(), (what, timeout, requested) => {
        const errors = [new WaitTimeoutError(what, timeout), new OutOfMemoryError(requested, timeout)];
        for (const error of errors) {
          const back = deserializeError(
            JSON.parse(JSON.stringify(structuredClone(serializeError(error)))) as SerializedError,
          );
          expect(back).toBeInstanceOf(error.constructor as typeof ShmError);
          expect(back.message).toBe(error.message);
          expect((back as ShmError).code).toBe(error.code);
          expect(back.stack).toBe(error.stack);
          if (error instanceof OutOfMemoryError) expect(back).toMatchObject({ requested, maxBytes: timeout });
        }
      }),
    );
  });
});
