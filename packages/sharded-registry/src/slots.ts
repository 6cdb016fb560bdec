/**
 * Which slot (stat counters and writers word) a thread attaching to a registry
 * takes. Slots are few (MAX_SLOTS) and threads come and go (worker pools,
 * replaced schedulers), so once every slot has been used, a thread takes over
 * the slot of one that died: that thread writes no more, and its counts stay
 * in the sums.
 */
import { C_NEXT_SLOT, MAX_SLOTS, WRITER_THREAD, writerWord } from './layout';

/** Claims a slot for thread `thread`; -1 when every slot belongs to a thread not known to be dead. */
export function claimSlot(
  ctl: Int32Array,
  maxShards: number,
  schedulers: number,
  thread: number,
  isDead: (threadId: number) => boolean,
): number {
  const fresh = Atomics.add(ctl, C_NEXT_SLOT, 1);
  if (fresh < MAX_SLOTS) {
    Atomics.store(ctl, writerWord(maxShards, schedulers, fresh) + WRITER_THREAD, thread + 1);
    return fresh;
  }
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const word = writerWord(maxShards, schedulers, slot) + WRITER_THREAD;
    const owner = Atomics.load(ctl, word);
    // 0: claimed by a thread that has not written its id yet.
    if (owner === 0 || !isDead(owner - 1)) continue;
    if (Atomics.compareExchange(ctl, word, owner, thread + 1) !== owner) continue;
    // The dead thread may have died inside a write: its count of writers goes with it.
    Atomics.store(ctl, word - WRITER_THREAD, 0);
    return slot;
  }
  return -1;
}
