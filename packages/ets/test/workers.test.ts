/**
 * Tables shared with real worker threads: exact counters, no torn or stale
 * reads, and recovery from a worker that dies in the middle of a write.
 */
import { Ets, type Table } from '@erlmcp/ets';
import { ofType, startWorker, stopAllWorkers, type TestWorker } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

function sab(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

describe('updateCounter from several workers', () => {
  it.each([
    ['one stripe, locked reads', {}],
    ['16 stripes, optimistic reads', { writeConcurrency: true, readConcurrency: true }],
  ])('reaches the exact total (%s)', async (_label, options) => {
    const table = Ets.new('counters', { access: 'public', ...options });
    const keys = Array.from({ length: 8 }, (_, i) => `c${i}`);
    for (const k of keys) table.insert([k, 0]);
    table.insert(['total', 0]);
    const parties = 4;
    const rounds = 2000;
    const start = sab(4);
    const workers = Array.from({ length: parties }, () =>
      startWorker('counter', { handle: table.handle(), keys, rounds, start, parties }),
    );
    await Promise.all(workers.map((w) => w.next(ofType('done'))));
    for (const k of keys) expect(table.lookupElement(k, 2)).toBe(parties * rounds);
    expect(table.lookupElement('total', 2)).toBe(parties * rounds * keys.length);
    table.check();
  });
});

describe('concurrent insert, delete and lookup', () => {
  it.each([
    ['set, optimistic reads', { readConcurrency: true }],
    ['set, locked reads, 16 stripes', { writeConcurrency: true }],
    [
      'ordered_set, optimistic reads, 16 stripes',
      { type: 'ordered_set' as const, readConcurrency: true, writeConcurrency: true },
    ],
    ['set, optimistic reads, readCache', { readConcurrency: true, readCache: 64 }],
    ['set, locked reads, 16 stripes, readCache', { writeConcurrency: true, readCache: 64 }],
  ])('never returns torn objects, nor objects after their delete completed (%s)', async (_label, options) => {
    const table = Ets.new('churn', { access: 'public', ...options });
    const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
    const deleted = sab(4 * keys.length);
    const stop = sab(4);
    const start = sab(4);
    const parties = 3;
    const writer = startWorker('churn', {
      handle: table.handle(),
      role: 'writer',
      keys,
      deleted,
      rounds: 400,
      start,
      parties,
      stop,
    });
    const readers = [0, 1].map(() =>
      startWorker('churn', { handle: table.handle(), role: 'reader', keys, deleted, start, parties, stop }),
    );
    await writer.next(ofType('done'));
    Atomics.store(new Int32Array(stop), 0, 1);
    const results = await Promise.all(readers.map((r) => r.next<{ seen: number; problems: string[] }>(ofType('done'))));
    for (const r of results) expect(r.problems).toEqual([]);
    expect(results.reduce((n, r) => n + r.seen, 0)).toBeGreaterThan(0);
    for (const k of keys) expect(table.lookup(k)).toEqual([]);
    table.check();
  });
});

describe('a worker terminated in the middle of a write', () => {
  /** Fills a table, starts a reader worker, and has a crasher worker freeze mid-write in `mode`. */
  async function crashIn(
    mode: string,
    table: Table,
    key: unknown,
  ): Promise<{ crasher: TestWorker; reader: TestWorker; stop: SharedArrayBuffer; progress: Float64Array }> {
    const stop = sab(4);
    const progressBuffer = sab(8);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const reader = startWorker('reader', { handle: table.handle(), keys, stop, progress: progressBuffer });
    const crasher = startWorker('crasher', { handle: table.handle(), mode, key });
    await crasher.next(ofType('holding'));
    return { crasher, reader, stop, progress: new Float64Array(progressBuffer) };
  }

  function fill(table: Table): void {
    for (let i = 0; i < 50; i++) table.insert([`k${i}`, `value of k${i}`]);
  }

  it.each([
    ['unpublished', 'set', 'new-key'],
    ['shift', 'set', 'k7'],
    ['order', 'ordered_set', 'k7.5'],
    ['chain', 'bag', 'k3'],
  ] as const)('leaves the table consistent; the lock is recovered after the exit (%s, %s)', async (mode, type, key) => {
    const table = Ets.new('crash', { type, access: 'public', readConcurrency: true });
    fill(table);
    const { crasher, reader, stop, progress } = await crashIn(mode, table, key);
    await crasher.worker.terminate();
    const exitedAt = await crasher.exited;
    // The main thread recovers the stripe's lock (stealing it from the dead
    // thread and repairing the stripe) as part of an ordinary write.
    table.insert(['after', 1]);
    table.check();
    expect(table.info().repairs).toBe(1);
    // The reader worker, blocked on the same stripe, carries on too. (No time
    // bound here: when it runs again is up to the OS scheduler of a busy machine.)
    while (progress[0]! <= exitedAt) await new Promise((resolve) => setTimeout(resolve, 1));
    Atomics.store(new Int32Array(stop), 0, 1);
    const done = await reader.next<{ n: number; bad: number }>(ofType('done'));
    expect(done.bad).toBe(0);
    // Nothing that was stored is damaged; the interrupted write is either absent or whole.
    for (let i = 0; i < 50; i++) {
      const found = table.lookup(`k${i}`);
      if (mode === 'shift' && `k${i}` === key)
        expect(found.length === 0 || found[0]![1] === `value of ${key}`).toBe(true);
      else expect(found).toContainEqual([`k${i}`, `value of k${i}`]);
    }
    expect(table.lookup('after')).toEqual([['after', 1]]);
    const interrupted = table.lookup(key).filter((o) => o[1] === 'never visible');
    expect(interrupted.length).toBeLessThanOrEqual(1);
    // And it keeps working: writes, deletes, growth.
    for (let i = 0; i < 500; i++) table.insert([`more${i}`, i]);
    for (let i = 0; i < 500; i += 2) table.delete(`more${i}`);
    table.check();
  });

  it.each([
    ['locked reads', {}],
    ['optimistic reads', { readConcurrency: true }],
    ['16 stripes, optimistic reads', { writeConcurrency: true, readConcurrency: true }],
  ])(
    'a main-thread call right after the holder is terminated recovers the stripe, before the exit listener has run (%s)',
    async (_label, options) => {
      const table = Ets.new('unreported', { access: 'public', ...options });
      fill(table);
      const crasher = startWorker('crasher', { handle: table.handle(), mode: 'unpublished', key: 'k7' });
      await crasher.next(ofType('holding'));
      // From here on nothing yields to the event loop, so Ets.watch's 'exit' listener cannot run:
      // the death is found by the waiting call itself.
      void crasher.worker.terminate();
      expect(Ets.registry.status(crasher.threadId)).not.toBe('dead');
      expect(table.lookup('k7')).toEqual([['k7', 'value of k7']]);
      expect(Ets.registry.status(crasher.threadId)).toBe('dead');
      expect(table.info().repairs).toBe(1);
      table.insert(['after', 1]);
      table.check();
      await crasher.exited;
    },
  );

  it('random writes cut off at a random moment leave a consistent, usable table', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const table = Ets.new('random-crash', {
        type: trial % 2 === 0 ? 'set' : 'ordered_set',
        access: 'public',
        writeConcurrency: trial % 3 === 0,
      });
      fill(table);
      const crasher = startWorker('crasher', { handle: table.handle(), mode: 'random', key: null });
      await crasher.next(ofType('holding'));
      await new Promise((resolve) => setTimeout(resolve, 5 + trial * 7));
      await crasher.worker.terminate();
      await crasher.exited;
      for (let i = 0; i < 50; i++) expect(table.lookup(`k${i}`)).toEqual([[`k${i}`, `value of k${i}`]]);
      table.insert(['after', trial]);
      table.check();
      for (let i = 0; i < 300; i++) table.insert([`r${i}`, i, 'w']);
      for (let i = 0; i < 300; i++) expect(table.lookup(`r${i}`)).toEqual([[`r${i}`, i, 'w']]);
      table.check();
      Ets.delete(table);
    }
  });
});

describe('handles', () => {
  it('a worker attaches a table from its handle and uses every operation', async () => {
    const table = Ets.new('shared', { type: 'ordered_set', access: 'public' });
    table.insertMany([
      ['a', 1],
      ['b', 2],
    ]);
    const w = startWorker('full', { handle: table.handle() });
    const report = await w.next<{ results: Record<string, unknown> }>(ofType('done'));
    expect(report.results).toEqual({
      lookup: [['a', 1]],
      first: 'a',
      next: 'b',
      last: 'c',
      size: 3,
      counter: 3,
      select: ['b', 'c'],
      tab2list: [
        ['a', 1],
        ['b', 3],
        ['c', 3],
      ],
      owner: 'node',
      type: 'ordered_set',
    });
    expect(table.lookup('c')).toEqual([['c', 3]]);
    expect(table.lookup('b')).toEqual([['b', 3]]);
  });
});
