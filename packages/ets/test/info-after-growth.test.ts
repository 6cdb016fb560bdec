/**
 * info() in a thread whose view of the arena predates a growth made by
 * another thread: the figures are those of the whole arena (it read a
 * chunk's words past its old view, and gave NaN).
 */
import { Ets } from '@erlmcp/ets';
import { ofType, startWorker, stopAllWorkers } from './helpers';

afterEach(async () => {
  await stopAllWorkers();
  for (const t of Ets.all()) Ets.delete(t);
});

test('info() after another thread grew the table', async () => {
  const table = Ets.new('grown', { access: 'public', initialBytes: 64 * 1024 });
  table.insert(['first', 'x'.repeat(100)]);
  expect(Number.isFinite(table.info().memory)).toBe(true);
  const ops = Array.from({ length: 3000 }, (_, i) => ['insert', [`k${i}`, 'y'.repeat(100 + (i % 50))]]);
  const w = startWorker('writer', { handle: table.handle(), ops });
  await w.next(ofType('done'));
  const info = table.info();
  expect(Number.isFinite(info.memory)).toBe(true);
  expect(Number.isFinite(info.freeBytes)).toBe(true);
  expect(info.memory + info.freeBytes).toBe(info.capacity);
  expect(info.size).toBe(3001);
});
