/**
 * Where a thread's wall time went, from Linux's per-thread scheduler statistics
 * (/proc/<pid>/task/<tid>/schedstat): running on a core, runnable but waiting for one (the
 * machine's other work), or asleep (the thread had nothing to do). CPU time alone cannot
 * tell the last two apart. Elsewhere than on Linux every reading is undefined.
 */
import fs from 'node:fs';

export interface ThreadTime {
  /** Nanoseconds on a core. */
  runNs: number;
  /** Nanoseconds runnable, waiting in the OS run queue. */
  waitNs: number;
}

/** The calling thread's id in /proc/self/task (Linux), for another thread to read its times. */
export function ownThreadId(): number | undefined {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/task/')[1]);
  } catch {
    return undefined;
  }
}

/** A thread's times so far, or undefined where /proc does not tell. */
export function threadTime(tid: number): ThreadTime | undefined {
  try {
    const [run, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return undefined;
  }
}
