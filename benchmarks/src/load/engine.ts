/**
 * Drives virtual users' sessions for a duration, closed loop (each user sends its next
 * request when the last is answered) or open loop (requests leave on a schedule, `rate` a
 * second in all, whatever the answers do; latency counts from the scheduled time, so a
 * stalled server is not hidden by the generator waiting for it). Every answer is checked.
 */
import type { Operation } from './args';
import { operationRequest } from './protocol';
import { TransportFailure, type VuSession } from './session';
import type { Tally } from './tally';

export interface EngineOptions {
  sessions: readonly VuSession[];
  operations: readonly Operation[];
  durationMs: number;
  /** Requests/s in all; undefined: closed loop. */
  rate: number | undefined;
  timeoutMs: number;
  tally: Tally;
  /** Open loop: at most this many requests in flight (default 64 per session, at least 1024). */
  maxInFlight?: number;
  /** Called once a second with the seconds elapsed. */
  onSecond?(second: number): void;
  /** Stops early when it resolves (a signal, a test). */
  stop?: Promise<void>;
}

/** Per virtual user: its next request id (0 was initialize) and its turn in the operations. */
interface UserState {
  session: VuSession;
  nextId: number;
}

interface Forgetful {
  forget?(id: number): void;
}

/** Sends one request and counts its outcome; never rejects. */
export async function exchange(
  user: UserState,
  op: Operation,
  tally: Tally,
  timeoutMs: number,
  startedAt = performance.now(),
): Promise<void> {
  const request = operationRequest(op, user.nextId++, user.session.vu);
  tally.counts.sent += 1;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'lost'>((resolve) => {
    timer = setTimeout(() => resolve('lost'), timeoutMs);
  });
  try {
    const sent = user.session.send(request);
    const answer = await Promise.race([sent, timeout]);
    if (answer === 'lost') {
      const session = user.session as Forgetful;
      // Multiplexed transports count a late answer themselves; an HTTP request's own promise says.
      if ('forget' in session) session.forget?.(request.id);
      else
        sent.then(
          () => void (tally.counts.late += 1),
          () => undefined,
        );
      tally.fail('lost', `${op} ${request.id} of vu ${user.session.vu}: no answer in ${timeoutMs} ms`);
      return;
    }
    const wrong = request.check(answer);
    if (wrong === undefined) tally.ok(op, (performance.now() - startedAt) * 1000, user.session.vu);
    else tally.fail('mismatch', `${op} of vu ${user.session.vu}: ${wrong}`);
  } catch (error) {
    const cause = error instanceof TransportFailure ? error.cause_ : 'transport';
    tally.fail(cause, `${op} of vu ${user.session.vu}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export async function runEngine(options: EngineOptions): Promise<{ elapsedMs: number }> {
  const { sessions, operations, durationMs, rate, timeoutMs, tally } = options;
  if (sessions.length === 0) throw new RangeError('no sessions to load');
  const users: UserState[] = sessions.map((session) => ({ session, nextId: 1 }));
  const started = performance.now();
  const deadline = started + durationMs;
  let stopped = false;
  void options.stop?.then(() => (stopped = true));
  let second = 0;
  const ticker = setInterval(() => {
    second += 1;
    options.onSecond?.(second);
  }, 1000);
  try {
    if (rate === undefined) {
      // Closed loop: each user alternates the operations, one request in flight.
      await Promise.all(
        users.map(async (user, u) => {
          let turn = u;
          while (!stopped && performance.now() < deadline) {
            await exchange(user, operations[turn++ % operations.length]!, tally, timeoutMs);
          }
        }),
      );
    } else {
      const maxInFlight = options.maxInFlight ?? Math.max(1024, sessions.length * 64);
      const inFlight = new Set<Promise<void>>();
      let issued = 0;
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          const now = performance.now();
          if (stopped || now >= deadline) {
            resolve();
            return;
          }
          // Every request due by now leaves now, each timed from when it was due (so the
          // latency includes any lag of this loop; tally.schedule says how much there was).
          // Arrival i is due at started + i / rate: by now, those up to floor(elapsed * rate).
          const due = Math.floor(((now - started) / 1000) * rate) + 1;
          tally.schedule.backlog(due - issued);
          while (issued < due) {
            const scheduled = started + (issued / rate) * 1000;
            const user = users[issued % users.length]!;
            const op = operations[Math.floor(issued / users.length) % operations.length]!;
            issued += 1;
            if (inFlight.size >= maxInFlight) {
              tally.counts.dropped += 1;
              tally.schedule.dropped();
              continue;
            }
            tally.schedule.sent((performance.now() - scheduled) * 1000);
            const p = exchange(user, op, tally, timeoutMs, scheduled);
            inFlight.add(p);
            void p.then(() => inFlight.delete(p));
          }
          setTimeout(pump, 1);
        };
        pump();
      });
      await Promise.all(inFlight);
    }
  } finally {
    clearInterval(ticker);
  }
  return { elapsedMs: performance.now() - started };
}
