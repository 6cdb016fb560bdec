/**
 * A behaviour of its own, written on the runtime's public contract (see the otp README,
 * "Writing a behaviour"): a token-bucket rate limiter whose user module provides
 *
 *   init(args) -> state                            runs before the process exists
 *   admit(key, state) -> { allowed, state }        for each call
 *   refill(state) -> state                         on each tick (every tickMs)
 *
 * The loop answers calls (tag 2, the message is the caller's From), sys requests (tag 3),
 * its own tick, and its parent's EXIT (it traps exits, so a supervisor's shutdown ends it
 * after its state is dropped). A callback that throws ends the process with the crash, which
 * its supervisor sees and restarts it for.
 */
import { ExitMessage, SystemDebug, isSysRequest, self, sendAfter, spawnLink, type Behaviour, type From, type Pid, type ProcessContext } from '@erlmcp/otp';

export interface RateLimiterDef<S, A> {
  readonly name: string;
  init(args: A): S;
  admit(key: string, state: S): { allowed: boolean; state: S };
  refill(state: S): S;
  readonly tickMs: number;
}

const INFO = 0;
const CALL = 2;
const SYSTEM = 3;
const tick = Symbol('tick');

class RateLimiterProcess<S, A> implements Behaviour {
  readonly kind: string;
  private debug: SystemDebug | null = null;
  private state: S;

  constructor(
    private readonly def: RateLimiterDef<S, A>,
    args: A,
    private readonly parent: Pid,
  ) {
    this.kind = `rate_limiter:${def.name}`;
    this.state = def.init(args);
  }

  handleMessage(message: unknown, ctx: ProcessContext, tag: number): void {
    if (tag === SYSTEM) {
      if ((message as From).request !== undefined && isSysRequest((message as From).request)) this.system(message as From, ctx);
      return;
    }
    if (tag === INFO && message instanceof ExitMessage && message.from.equals(this.parent)) ctx.exit(message.reason);
    if (this.debug !== null && this.debug.observe(message, tag, ctx)) return; // suspended: held
    if (message === tick) {
      this.state = this.def.refill(this.state);
      ctx.sendAfter(this.def.tickMs, tick);
    } else if (tag === CALL) {
      const from = message as From;
      const { allowed, state } = this.def.admit(from.request as string, this.state);
      this.state = state;
      from.reply(allowed);
    }
  }

  private system(from: From, ctx: ProcessContext): void {
    const view = {
      kind: this.kind,
      getState: () => this.state,
      replaceState: (fn: (s: unknown) => unknown) => (this.state = fn(this.state) as S),
      formatStatus: () => this.state,
    };
    const held = (this.debug ??= new SystemDebug()).handle(from, view, ctx);
    for (const [message, tag] of held ?? []) this.handleMessage(message, ctx, tag);
  }
}

/**
 * Starts a rate limiter linked to the calling process (a supervisor's child start function is
 * one), registered under `name`. init runs here, before the process exists: an init that
 * throws fails the start, and nothing is spawned.
 */
export function startLink<S, A>(def: RateLimiterDef<S, A>, args: A, name: string): Pid {
  const parent = self();
  const pid = spawnLink(new RateLimiterProcess(def, args, parent), { name, trapExit: true });
  sendAfter(def.tickMs, pid, tick); // the first tick; each tick sets the next
  return pid;
}
