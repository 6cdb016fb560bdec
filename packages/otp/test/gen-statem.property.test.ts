/**
 * GenStatem's timeout and postpone rules against a reference model written from gen_statem's
 * documentation. Timeouts run on a ManualClock the test advances, so nothing depends on time.
 *
 * The rules the model holds (gen_statem, "Timeouts" and "Postponing Events"):
 * - an event timeout is cancelled by any event, and is not started at all when the
 *   transition leaves events queued (here: postponed events retried by a state change);
 * - a state timeout is cancelled by a state change; set again, it restarts;
 * - a generic timeout is cancelled only by name (set again restarts it, Infinity cancels it);
 * - a postponed event is retried after the next state change, postponed events in the order
 *   they came, before anything else in the mailbox;
 * - timeouts that fall due together arrive in the order they fall due; one whose timer was
 *   cancelled or restarted after it fell due (by an event handled before it) is dropped;
 * - a 0 ms timeout is enqueued at once, behind what the mailbox already holds.
 */
import fc from 'fast-check';
import { GenStatem, Node, processInfo, type Pid, type StatemEvent, type TimeoutAction } from '@erlmcp/otp';
import { startNode } from './helpers';
import { ManualClock } from './statem-clock';

type Kind = 'timeout' | 'state_timeout' | 'generic_timeout';
type SetTimeout = { kind: Kind; name: string; ms: number };
type Command = { go: number; timeouts: SetTimeout[] } | { post: number } | { advance: number };
type Cast = { go: number; timeouts: SetTimeout[]; label: string } | { post: number };

const keyOf = (t: { kind: Kind; name: string }) => (t.kind === 'generic_timeout' ? `g:${t.name}` : t.kind);

/** The reference: what gen_statem's documentation says the log must be. */
class Model {
  state = 0;
  now = 0;
  log: string[] = [];
  private seq = 0;
  private timers = new Map<string, { at: number; seq: number; content: string; kind: Kind; name: string }>();
  private postponed: number[] = [];

  cast(cast: Cast): void {
    this.handle({ cast });
    this.fireDue(this.now);
  }

  advance(ms: number): void {
    this.fireDue(this.now + ms);
  }

  /**
   * Every timer due by `until` fires (sends its message) before the statem handles any of
   * them; a 0 ms timeout set meanwhile is enqueued behind those, and fires in its turn.
   */
  private fireDue(until: number): void {
    this.now = until;
    for (;;) {
      const fired = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq);
      if (fired.length === 0) return;
      for (const [key, t] of fired) {
        if (this.timers.get(key)?.seq !== t.seq) continue; // cancelled or restarted meanwhile: stale
        this.timers.delete(key);
        this.handle({ timeout: t });
      }
    }
  }

  private handle(
    first: { cast: Cast } | { timeout: { kind: Kind; name: string; content: string } } | { retry: number },
  ): void {
    const queue = [first];
    let eventTimeout: (SetTimeout & { content: string }) | undefined;
    while (queue.length > 0) {
      const event = queue.shift()!;
      this.timers.delete('timeout'); // any event cancels the event timeout
      eventTimeout = undefined;
      if ('timeout' in event) {
        const t = event.timeout;
        this.log.push(`${this.state}:${t.kind}:${t.kind === 'generic_timeout' ? t.name : ''}:${t.content}`);
        continue;
      }
      const cast = 'retry' in event ? { post: event.retry } : event.cast;
      if ('post' in cast) {
        if (this.state === 2) this.log.push(`${this.state}:handled ${cast.post}`);
        else {
          this.log.push(`${this.state}:postpone ${cast.post}`);
          this.postponed.push(cast.post);
        }
        continue;
      }
      this.log.push(`${this.state}:go ${cast.go}`);
      const changed = cast.go !== this.state;
      this.state = cast.go;
      if (changed) {
        this.timers.delete('state_timeout');
        queue.unshift(...this.postponed.map((id) => ({ retry: id })));
        this.postponed = [];
      }
      for (const t of cast.timeouts) {
        const content = `${cast.label}/${t.kind}`;
        if (t.kind === 'timeout') {
          eventTimeout = t.ms === Infinity ? undefined : { ...t, content };
          continue;
        }
        this.timers.delete(keyOf(t));
        if (t.ms !== Infinity)
          this.timers.set(keyOf(t), { at: this.now + t.ms, seq: ++this.seq, content, kind: t.kind, name: t.name });
      }
    }
    if (eventTimeout !== undefined)
      this.timers.set('timeout', {
        at: this.now + eventTimeout.ms,
        seq: ++this.seq,
        content: eventTimeout.content,
        kind: 'timeout',
        name: '',
      });
  }
}

function machine(clock: ManualClock, log: string[]) {
  return GenStatem.define({
    callbackMode: 'handle_event_function',
    timers: clock,
    init: () => GenStatem.ok(0, null),
    handleEvent(event: StatemEvent<never, Cast>, state: number) {
      if (event.type === 'cast') {
        const cast = event.message;
        if ('post' in cast) {
          if (state === 2) {
            log.push(`${state}:handled ${cast.post}`);
            return GenStatem.keepStateAndData();
          }
          log.push(`${state}:postpone ${cast.post}`);
          return GenStatem.keepStateAndData([GenStatem.postpone()]);
        }
        log.push(`${state}:go ${cast.go}`);
        const actions: TimeoutAction[] = cast.timeouts.map((t) => {
          const content = `${cast.label}/${t.kind}`;
          if (t.kind === 'timeout') return GenStatem.eventTimeout(t.ms, content);
          if (t.kind === 'state_timeout')
            return t.ms === Infinity ? GenStatem.cancelTimeout('state_timeout') : GenStatem.stateTimeout(t.ms, content);
          return GenStatem.genericTimeout(t.name, t.ms, content);
        });
        return GenStatem.nextState(cast.go, null, actions);
      }
      if (event.type === 'timeout' || event.type === 'state_timeout' || event.type === 'generic_timeout') {
        log.push(
          `${state}:${event.type}:${event.type === 'generic_timeout' ? event.name : ''}:${String(event.message)}`,
        );
      }
      return GenStatem.keepStateAndData();
    },
  });
}

/** Until the statem has handled everything in its mailbox (bounded: a stuck statem fails the test). */
async function idle(pid: Pid): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const info = processInfo(pid);
    if (info === undefined) throw new Error('the statem died');
    if (info.messageQueueLen === 0 && info.status === 'waiting') return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the statem never became idle');
}

const setTimeoutArb: fc.Arbitrary<SetTimeout> = fc.record({
  kind: fc.constantFrom<Kind>('timeout', 'state_timeout', 'generic_timeout'),
  name: fc.constantFrom('a', 'b'),
  ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.constant(Infinity)),
});
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ go: fc.integer({ min: 0, max: 2 }), timeouts: fc.array(setTimeoutArb, { maxLength: 3 }) }),
  fc.record({ post: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ advance: fc.integer({ min: 1, max: 50 }) }),
);

let node: Node;
beforeAll(() => {
  node = startNode();
});
afterAll(() => node.stop());

test("timeouts and postponed events follow gen_statem's rules (model-based)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 25 }), async (commands) => {
      const clock = new ManualClock();
      const log: string[] = [];
      const model = new Model();
      const pid = await GenStatem.start(machine(clock, log), undefined);
      await idle(pid);
      for (const [i, command] of commands.entries()) {
        if ('advance' in command) {
          clock.advance(command.advance);
          model.advance(command.advance);
        } else {
          const cast: Cast = 'go' in command ? { ...command, label: `c${i}` } : command;
          GenStatem.cast(pid, cast);
          model.cast(cast);
        }
        await idle(pid);
        expect(log).toEqual(model.log);
      }
      await GenStatem.stop(pid);
    }),
    { numRuns: 150 },
  );
});
