import { SeqLock, ThreadRegistry, WaitTimeoutError } from '@erlmcp/shm';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(stopAllWorkers);

describe('SeqLock', () => {
  it('sequence goes odd during a write and even after', () => {
    const s = SeqLock.create();
    expect(s.sequence).toBe(0);
    const seen = s.write(() => s.sequence);
    expect(seen).toBe(1);
    expect(s.sequence).toBe(2);
  });

  it('read retries when a write overlaps the read', () => {
    const s = SeqLock.create();
    const cell = new Int32Array(new SharedArrayBuffer(4));
    let calls = 0;
    const value = s.read(() => {
      calls++;
      // A real write lands in the middle of the first attempt, forcing a retry.
      if (calls === 1) s.write(() => Atomics.store(cell, 0, 7));
      return Atomics.load(cell, 0);
    });
    expect(value).toBe(7);
    expect(calls).toBe(2);
  });

  it('errors thrown by a torn read are retried, errors from a consistent read propagate', () => {
    const s = SeqLock.create();
    let calls = 0;
    expect(
      s.read(() => {
        if (++calls === 1) {
          s.write(() => undefined);
          throw new Error('garbage');
        }
        return 'ok';
      }),
    ).toBe('ok');
    expect(() =>
      s.read(() => {
        throw new Error('real');
      }),
    ).toThrow('real');
  });

  it('beginRead/validate low-level protocol', () => {
    const s = SeqLock.create();
    const t = s.beginRead();
    expect(s.validate(t)).toBe(true);
    s.write(() => undefined);
    expect(s.validate(t)).toBe(false);
  });

  it('readAsync waits for an in-progress write', async () => {
    const s = SeqLock.create();
    s.writerLock.lockSpin();
    s.beginWrite();
    const pending = s.readAsync(() => 'done', 5000);
    await new Promise((r) => setTimeout(r, 10));
    s.endWrite();
    s.writerLock.unlock();
    await expect(pending).resolves.toBe('done');
  });

  it('workers: snapshots are never torn and never go backwards', async () => {
    const s = SeqLock.create();
    const data = new SharedArrayBuffer(8 * 4);
    const roles = ['writer', 'writer', 'reader', 'reader'];
    const start = new SharedArrayBuffer(4);
    const ws = roles.map((role) =>
      startWorker('seqlock-user', { handle: s.handle(), data, role, iterations: 5000, start, parties: roles.length }),
    );
    const words = new Int32Array(data);
    let mainTorn = 0;
    for (let i = 0; i < 200; i++) {
      const snap = await s.readAsync(() => Array.from(words, (_, k) => Atomics.load(words, k)));
      if (snap.some((v) => v !== snap[0])) mainTorn++;
    }
    const results = await Promise.all(ws.map((w) => w.next<{ torn: number; regressions: number }>(ofType('done'))));
    expect(results.map((r) => r.torn + r.regressions)).toEqual([0, 0, 0, 0]);
    expect(mainTorn).toBe(0);
    expect(words[0]).toBe(10_000);
    expect(s.sequence).toBe(2 * 10_000);
  });

  it('a writer that died mid-write stalls readers until the next writer recovers', async () => {
    const registry = ThreadRegistry.create();
    const s = SeqLock.create({ registry });
    const holder = startWorker('lock-holder', { kind: 'seqlock-write', handle: s.handle() });
    registry.watch(holder.worker);
    await holder.next(ofType('locked'));
    expect(s.sequence % 2).toBe(1);
    expect(() => s.read(() => 1, 30)).toThrow(WaitTimeoutError);
    await holder.worker.terminate();
    const repaired = await s.writeAsync(() => {
      const flagged = s.writerLock.inconsistent;
      s.writerLock.markConsistent();
      return flagged;
    });
    expect(repaired).toBe(true);
    expect(s.sequence % 2).toBe(0);
    expect(s.read(() => 'readable')).toBe('readable');
  });
});
