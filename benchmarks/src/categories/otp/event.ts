import { EventEmitter } from 'node:events';
import { GenEvent } from '@erlmcp/otp';
import { onNode } from '../../harness/node';
import { ratePerSecond } from '../../harness/stats';
import type { Measurement } from '../../harness/types';

const HANDLERS = 10;

/** A handler that counts; the last of the ten says when the last notification is in. */
const counting = GenEvent.handler({
  init: (arg: { last: boolean; size: number; done: () => void }) => GenEvent.ok({ ...arg, n: 0 }),
  handleEvent(_event: number, s: { last: boolean; size: number; done: () => void; n: number }) {
    s.n++;
    if (s.last && s.n === s.size) s.done();
    return GenEvent.ok(s);
  },
});

/** Notifications/s through a GenEvent manager with ten handlers (each notification handled by all ten). */
export function eventNotify(size: number): Promise<Measurement> {
  return onNode(1, async () => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const mgr = await GenEvent.start();
    for (let i = 0; i < HANDLERS; i++)
      await GenEvent.addHandler(mgr, counting, { last: i === HANDLERS - 1, size, done: finished }, `h${i}`);
    const value = await ratePerSecond(size, async () => {
      for (let i = 0; i < size; i++) GenEvent.notify(mgr, i);
      await done;
    });
    return { value };
  });
}

/** The same through a plain EventEmitter with ten listeners: no process, no mailbox. */
export async function emitterNotify(size: number): Promise<Measurement> {
  const emitter = new EventEmitter();
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  for (let i = 0; i < HANDLERS; i++) {
    let n = 0;
    const last = i === HANDLERS - 1;
    emitter.on('event', () => {
      if (++n === size && last) finished();
    });
  }
  const value = await ratePerSecond(size, async () => {
    for (let i = 0; i < size; i++) emitter.emit('event', i);
    await done;
  });
  return { value };
}
