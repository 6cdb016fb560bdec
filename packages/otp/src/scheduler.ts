import { running } from './current';
import type { Tag } from './mailbox';
import { BUSY_TAG_SHIFT, Flag, type Process } from './process';
import { Queue } from './queue';

const resolved = Promise.resolve();
/** Messages handled (over all runs) between two looks at the inbox from other schedulers. */
const INBOX_CHECK_EVERY = 8;

export interface SchedulerOptions {
  /** Messages a process may handle before it goes to the back of the run queue (its reductions). */
  budget?: number;
  /** How long the scheduler may run before it yields to the event loop, in ms. */
  sliceMs?: number;
}

/**
 * Runs runnable processes round-robin, each for a bounded budget of
 * messages. Work is started from a microtask when the scheduler is idle (so a
 * call round trip costs no event-loop turn), but once it has run for sliceMs
 * within one event-loop turn it continues from setImmediate, so timers and
 * sockets get their turn however busy the processes are.
 */
export class Scheduler {
  private readonly runQueue = new Queue<Process>(64);
  private scheduled = false;
  private turnOpen = false;
  private turnStart = 0;
  private readonly budget: number;
  private readonly sliceMs: number;
  /** Messages handled, for introspection. */
  messagesHandled = 0;
  /** A coarse clock (ms), read every few process runs, for the slice budget only. */
  private now = performance.now();
  /** Process runs since the clock was last read. */
  private runsSinceClock = 0;
  /** Set when this turn's slice is used up: further work waits for setImmediate. */
  private sliceSpent = false;
  private stopped = false;
  private immediate: NodeJS.Immediate | undefined;
  /**
   * Applies what other schedulers sent (the peer's inbox). Called as a drain
   * starts and every few runs, so replies from other threads are not held up
   * behind this thread's own work until the slice ends.
   */
  poll: (() => void) | null = null;
  /**
   * True when other schedulers have sent something, or this one has records
   * waiting to go out: the current run ends so they can be applied or flushed.
   */
  inboxReady: (() => boolean) | null = null;
  /** Messages left before the next inbox check (see run). */
  private untilInboxCheck = INBOX_CHECK_EVERY;
  /** Set when a run ended early for the inbox: the drain yields to microtasks (callers' continuations) and resumes. */
  private yieldForInbox = false;

  constructor(
    readonly id: number,
    private readonly onCrash: (process: Process, error: unknown, where: string) => void,
    private readonly onReceive: (process: Process) => void,
    options: SchedulerOptions = {},
  ) {
    this.budget = options.budget ?? 500;
    this.sliceMs = options.sliceMs ?? 4;
  }

  get runQueueLength(): number {
    return this.runQueue.length;
  }

  enqueue(process: Process): void {
    if ((process.flags & (Flag.InRunQueue | Flag.Dead)) !== 0) return;
    process.flags |= Flag.InRunQueue;
    this.runQueue.push(process);
    if (!this.scheduled) this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  private kick(): void {
    if (this.stopped) return;
    this.scheduled = true;
    if (this.turnOpen && this.sliceSpent) {
      this.immediate = setImmediate(this.runFromImmediate);
    } else {
      // A resolved promise's then() reaches V8's microtask queue directly; queueMicrotask
      // goes through an AsyncResource per callback, which costs a fifth of a call round trip.
      void resolved.then(this.runFromMicrotask);
    }
  }

  private readonly runFromMicrotask = (): void => this.drain();

  private readonly runFromImmediate = (): void => {
    this.immediate = undefined;
    this.turnOpen = false;
    this.drain();
  };

  private readonly closeTurn = (): void => {
    this.turnOpen = false;
  };

  /** Reads the clock every 16 runs (a clock read costs as much as a small message). */
  private tick(): void {
    if (++this.runsSinceClock < 16) return;
    this.runsSinceClock = 0;
    this.poll?.();
    this.now = performance.now();
    if (this.now - this.turnStart > this.sliceMs) this.sliceSpent = true;
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    if (!this.turnOpen) {
      this.turnOpen = true;
      this.sliceSpent = false;
      this.turnStart = this.now = performance.now();
      this.runsSinceClock = 0;
      setImmediate(this.closeTurn);
    }
    this.poll?.();
    const queue = this.runQueue;
    while (queue.length > 0 && !this.sliceSpent && !this.yieldForInbox) {
      const process = queue.shift()!;
      process.flags &= ~Flag.InRunQueue;
      this.run(process);
      this.tick();
    }
    if (this.yieldForInbox) {
      // Replies from other threads resolve promises whose continuations (often the next
      // call to that thread) can only run once this drain returns: let them, then go on.
      this.yieldForInbox = false;
      if (!this.scheduled && !this.stopped) this.kick();
      return;
    }
    if (queue.length > 0 && !this.scheduled && !this.stopped) {
      this.scheduled = true;
      this.immediate = setImmediate(this.runFromImmediate);
    }
  }

  private run(process: Process): void {
    // Busy: queued by a message it sent itself in the synchronous part of a callback that then
    // returned a promise. Its mailbox stays held; settled() queues it again.
    if ((process.flags & (Flag.Dead | Flag.Busy)) !== 0) return;
    const behaviour = process.behaviour;
    if (behaviour === null) {
      this.onReceive(process);
      return;
    }
    const mailbox = process.mailbox!;
    running.process = process;
    let n = 0;
    try {
      while (n < this.budget && mailbox.length > 0) {
        const tag = mailbox.headTag();
        const message = mailbox.shift();
        n++;
        process.handled++;
        let result: void | PromiseLike<void>;
        try {
          result = behaviour.handleMessage(message, process, tag);
        } catch (error) {
          this.onCrash(process, error, 'handleMessage');
          return;
        }
        if (result !== undefined && typeof result.then === 'function') {
          process.flags |= Flag.Busy | (tag << BUSY_TAG_SHIFT);
          result.then(
            () => this.settled(process),
            (error: unknown) => this.settledWithError(process, error),
          );
          return;
        }
        if ((process.flags & Flag.Dead) !== 0) return;
        // Not after every message: the check reads the ring's cursors (Atomics loads, ~40 ns,
        // a third of a small cast's cost), and a reply from another thread can wait 8 messages.
        if (--this.untilInboxCheck === 0) {
          this.untilInboxCheck = INBOX_CHECK_EVERY;
          if (this.inboxReady !== null && this.inboxReady()) {
            this.yieldForInbox = true;
            break;
          }
        }
        // A budget counts messages, not work: a process whose messages are heavy must not hold
        // the thread for all of them. Checking the clock every 32 messages costs ~1 ns each.
        if ((n & 31) === 0 && performance.now() - this.turnStart > this.sliceMs) {
          this.sliceSpent = true;
          break;
        }
      }
      if (mailbox.length > 0) this.enqueue(process);
    } finally {
      this.messagesHandled += n;
      running.process = null;
    }
  }

  /**
   * Handles one message at once, on the caller's stack, when that is what the next run of
   * `process` would do anyway: it is idle (mailbox empty, not queued, no async callback
   * pending) and no process callback is running on this thread (the caller is an I/O
   * listener, not a process). Crashes and async callbacks are handled as in a run. Returns
   * false, having done nothing, when those conditions do not hold: the caller then queues it.
   */
  runNow(process: Process, message: unknown, tag: Tag): boolean {
    const behaviour = process.behaviour;
    if (
      this.stopped ||
      running.process !== null ||
      behaviour === null ||
      (process.flags & (Flag.InRunQueue | Flag.Busy | Flag.Dead)) !== 0 ||
      (process.mailbox !== null && process.mailbox.length > 0)
    ) {
      return false;
    }
    running.process = process;
    process.handled++;
    this.messagesHandled++;
    try {
      let result: void | PromiseLike<void>;
      try {
        result = behaviour.handleMessage(message, process, tag);
      } catch (error) {
        this.onCrash(process, error, 'handleMessage');
        return true;
      }
      if (result !== undefined && typeof result.then === 'function') {
        process.flags |= Flag.Busy | (tag << BUSY_TAG_SHIFT);
        result.then(
          () => this.settled(process),
          (error: unknown) => this.settledWithError(process, error),
        );
      }
      // What it sent itself meanwhile was queued by deliver, as during a run.
      return true;
    } finally {
      running.process = null;
    }
  }

  private settled(process: Process): void {
    process.flags &= ~(Flag.Busy | Flag.BusyTag);
    if ((process.flags & Flag.Dead) === 0 && process.mailbox!.length > 0) this.enqueue(process);
  }

  private settledWithError(process: Process, error: unknown): void {
    process.flags &= ~(Flag.Busy | Flag.BusyTag);
    if ((process.flags & Flag.Dead) === 0) this.onCrash(process, error, 'handleMessage');
  }
}
