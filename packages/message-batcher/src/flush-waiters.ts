/**
 * The flush() calls the batcher process has not answered yet: each waits for
 * the batches that existed when it came (queued or at the sink), and is
 * answered once the last of them has finished.
 */
import type { From } from '@erlmcp/otp';

interface Waiter<B> {
  from: From;
  pending: Set<B>;
}

export class FlushWaiters<B> {
  private waiters: Waiter<B>[] = [];

  /** Answers `from` once every batch of `pending` has gone (at once if there is none). */
  add(from: From, pending: Set<B>): void {
    if (pending.size === 0) from.reply(undefined);
    else this.waiters.push({ from, pending });
  }

  /** A batch finished (or was dropped empty): answers the flushes that waited for it last. */
  gone(batch: B): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      w.pending.delete(batch);
      if (w.pending.size > 0) return true;
      w.from.reply(undefined);
      return false;
    });
  }
}
