/**
 * The three ways a thread can wait for a shared-memory condition, written once
 * and shared by every primitive: blocking (Atomics.wait, workers), spin-then-yield
 * (any thread, for waits of nanoseconds to microseconds) and async
 * (Atomics.waitAsync, main thread).
 *
 * A primitive describes one acquisition as a `WaitStep`; the drivers loop over
 * `attempt()` and sleep on the word it names, and once the wait has lasted longer
 * than the recovery bound they also call `recover()` so a lock held by a dead
 * thread can be stolen.
 */
import { now, waitAsyncRef } from './platform';

export interface WaitStep {
  readonly view: Int32Array;
  /** One non-blocking try. True when done; otherwise sets `waitIndex`/`waitValue` to the word to sleep on. */
  attempt(): boolean;
  waitIndex: number;
  waitValue: number;
  /** Called on every wake-up once the recovery bound has passed; true if it changed something worth an immediate retry. */
  recover(): boolean;
  /** Undoes partial progress when the driver gives up. */
  abandon(): void;
  /** Brackets the sleeping phase so releasers know whether a notify is needed. */
  enterWait(): void;
  leaveWait(): void;
}

export interface WaitPolicy {
  timeoutMs: number;
  /** Infinity disables recovery. */
  recoverAfterMs: number;
}

/** Polling interval while waiting on an owner that may have died. */
export const RECOVERY_POLL_MS = 5;
/**
 * Longest single sleep. Every wait is sliced so that a wake-up consumed by a
 * waiter that then gave up (or any other lost notify) costs at most this much.
 */
export const MAX_SLICE_MS = 50;
const SPIN_ATTEMPTS = 64;
const SPIN_FIRST_SLEEP_MS = 0.01;
const SPIN_MAX_SLEEP_MS = 1;

function sliceFor(elapsed: number, remaining: number, policy: WaitPolicy): number {
  let slice = MAX_SLICE_MS;
  if (policy.recoverAfterMs !== Infinity) {
    slice = elapsed < policy.recoverAfterMs ? Math.max(1, policy.recoverAfterMs - elapsed) : RECOVERY_POLL_MS;
  }
  return Math.max(0, Math.min(slice, remaining));
}

/** What one pass of a wait loop decided: done, gave up, try again now, or sleep. */
const DONE = -1;
const TIMED_OUT = -2;
const RETRY = -3;

/**
 * One pass of every wait loop: try, give up at the deadline, steal from a dead
 * owner past the recovery bound; otherwise the time waited so far (ms, >= 0),
 * for the driver to choose its sleep.
 */
function pass(step: WaitStep, policy: WaitPolicy, start: number): number {
  if (step.attempt()) return DONE;
  const elapsed = now() - start;
  if (elapsed >= policy.timeoutMs) {
    step.abandon();
    return TIMED_OUT;
  }
  if (elapsed >= policy.recoverAfterMs && step.recover()) return RETRY;
  return elapsed;
}

/** Blocks the calling thread with Atomics.wait. Returns false on timeout. */
export function waitBlocking(step: WaitStep, policy: WaitPolicy): boolean {
  if (step.attempt()) return true;
  const start = now();
  step.enterWait();
  try {
    for (;;) {
      const elapsed = pass(step, policy, start);
      if (elapsed === DONE || elapsed === TIMED_OUT) return elapsed === DONE;
      if (elapsed === RETRY) continue;
      Atomics.wait(step.view, step.waitIndex, step.waitValue, sliceFor(elapsed, policy.timeoutMs - elapsed, policy));
    }
  } finally {
    step.leaveWait();
  }
}

/**
 * Spins briefly, then sleeps in slices growing from 10 µs to 1 ms. Meant for
 * critical sections of nanoseconds: on the main thread each slice still stalls
 * the event loop, so keep `timeoutMs` small there.
 */
export function waitSpinning(step: WaitStep, policy: WaitPolicy): boolean {
  for (let i = 0; i < SPIN_ATTEMPTS; i++) if (step.attempt()) return true;
  const start = now();
  let sleep = SPIN_FIRST_SLEEP_MS;
  step.enterWait();
  try {
    for (;;) {
      const elapsed = pass(step, policy, start);
      if (elapsed === DONE || elapsed === TIMED_OUT) return elapsed === DONE;
      if (elapsed === RETRY) continue;
      Atomics.wait(step.view, step.waitIndex, step.waitValue, Math.min(sleep, policy.timeoutMs - elapsed));
      sleep = Math.min(sleep * 2, SPIN_MAX_SLEEP_MS);
    }
  } finally {
    step.leaveWait();
  }
}

/** Waits with Atomics.waitAsync, keeping the event loop alive meanwhile. Resolves false on timeout. */
export async function waitAsync(step: WaitStep, policy: WaitPolicy): Promise<boolean> {
  if (step.attempt()) return true;
  const start = now();
  step.enterWait();
  try {
    for (;;) {
      const elapsed = pass(step, policy, start);
      if (elapsed === DONE || elapsed === TIMED_OUT) return elapsed === DONE;
      if (elapsed === RETRY) continue;
      await waitAsyncRef(
        step.view,
        step.waitIndex,
        step.waitValue,
        sliceFor(elapsed, policy.timeoutMs - elapsed, policy),
      );
    }
  } finally {
    step.leaveWait();
  }
}
