/**
 * A process on the calling scheduler that keeps what it receives, so a test
 * can send its pid to other processes (on any scheduler) and await the
 * message it expects, whatever arrives before it.
 */
import { spawn, type Pid } from '@erlmcp/otp';

export interface Collector {
  pid: Pid;
  /** The first message received so far, or the next to come, satisfying `match`. */
  next<T = unknown>(match?: (m: unknown) => boolean): Promise<T>;
}

export function collector(): Collector {
  const inbox: unknown[] = [];
  const waiters: { match: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  const pid = spawn(async (ctx) => {
    for (;;) {
      const m = await ctx.receive();
      const i = waiters.findIndex((w) => w.match(m));
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
      else inbox.push(m);
    }
  });
  return {
    pid,
    next: <T>(match: (m: unknown) => boolean = () => true) =>
      new Promise<T>((resolve) => {
        const i = inbox.findIndex(match);
        if (i >= 0) resolve(inbox.splice(i, 1)[0] as T);
        else waiters.push({ match, resolve: resolve as (m: unknown) => void });
      }),
  };
}
