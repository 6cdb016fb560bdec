/**
 * A behaviour of its own, written on the runtime's public contract (see the otp README,
 * "Writing a behaviour"), the same one GenServer is built on: a token-bucket rate limiter
 * whose user module provides
 *
 *   init(args) -> state                            runs in the new process, before the start returns
 *   admit(key, state) -> { allowed, state }        for each call
 *   refill(state) -> state                         on each tick (every tickMs)
 *
 * ProcLib starts it: linked to its parent, registered under its name, and its start resolves
 * only once init has acknowledged (an init that throws fails the start with StartError). The
 * loop answers the InitRequest and StopRequest (tag 3), sys requests (tag 3), calls (tag 2,
 * the message is the caller's From), its own tick, and its parent's EXIT (it traps exits, so a
 * supervisor's shutdown ends it after its state is dropped). A callback that throws ends the
 * process with the crash, which its supervisor sees and restarts it for.
 */
import {
  ExitMessage,
  InitRequest,
  ProcLib,
  StopRequest,
  SystemDebug,
  isSysRequest,
  type From,
  type Pid,
  type ProcessContext,
  type SpecialBehaviour,
} from '@erlmcp/otp';

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

class RateLimiterProcess<S, A> implements SpecialBehaviour {
  readonly kind: string;
  private debug: SystemDebug | null = null;
  private state!: S;

  constructor(
    private readonly def: RateLimiterDef<S, A>,
    private readonly parent: Pid | undefined,
  ) {
    this.kind = `rate_limiter:${def.name}`;
  }

  handleMessage(message: unknown, ctx: ProcessContext, tag: number): void {
    if (tag === SYSTEM) {
      if (message instanceof InitRequest) {
        this.state = this.def.init(message.args as A); // a throw ends the process: the start fails
        ctx.sendAfter(this.def.tickMs, tick); // the first tick; each tick sets the next
        message.resolve(ctx.self); // proc_lib:init_ack
      } else if (message instanceof StopRequest) {
        ctx.exit(message.reason);
      } else if ((message as From).request !== undefined && isSysRequest((message as From).request)) {
        this.system(message as From, ctx);
      }
      return;
    }
    if (tag === INFO && message instanceof ExitMessage && this.parent !== undefined && message.from.equals(this.parent))
      ctx.exit(message.reason);
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
 * one), registered under `name`, once its init has run in the new process.
 */
export function startLink<S, A>(def: RateLimiterDef<S, A>, args: A, name: string): Promise<Pid> {
  return ProcLib.startLink((parent) => new RateLimiterProcess(def, parent), args, { name, trapExit: true });
}
