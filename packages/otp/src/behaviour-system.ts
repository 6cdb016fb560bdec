/**
 * The behaviour's half of sys: what a behaviour's loop does with system requests, and with
 * its other messages while it is suspended, traced or counted. GenServer uses it (and so
 * GenStatem, GenEvent and the supervisors, which run as GenServers); a behaviour of your
 * own uses it the same way (see the README, "Writing a behaviour").
 */
import type { From } from './call';
import type { ProcessContext } from './context';
import { Tag } from './mailbox';
import { processOf } from './process';
import type { SysRequest, SysStatistics, SysStatus } from './sys';
import { mailboxSlots } from './hibernation';
import { loadExport } from './node';

/** How a behaviour shows its state to sys. */
export interface SystemView {
  /** The behaviour's kind, as processInfo shows it. */
  readonly kind: string;
  /** sys.getState's answer. */
  getState(): unknown;
  /** Replaces the state with fn(getState()); returns the new view. */
  replaceState(fn: (state: unknown) => unknown): unknown;
  /** sys.getStatus's state: the behaviour's formatStatus, which may redact. */
  formatStatus(): unknown;
  /** How many times the process has hibernated (sys.getStatus); 0 if left out. */
  hibernations?(): number;
}

/** A message held while suspended: the message and its tag. */
type Held = [unknown, number];

const tagNames = ['info', 'cast', 'call', 'system'];

/** One process's sys flags; a behaviour allocates it on the first sys request. */
export class SystemDebug {
  held: Held[] | null = null;
  tracing = false;
  statistics: { startTime: number; messagesIn: number } | null = null;

  /** Nothing switched on: a hibernating behaviour may drop it. */
  get idle(): boolean {
    return this.held === null && !this.tracing && this.statistics === null;
  }

  /**
   * Called by the behaviour for each non-system message while it has a SystemDebug:
   * true when the message is held (the process is suspended) and must not be handled now.
   */
  observe(message: unknown, tag: Tag, ctx: ProcessContext): boolean {
    if (this.held !== null) {
      this.held.push([message, tag]);
      return true;
    }
    if (this.statistics !== null) this.statistics.messagesIn++;
    if (this.tracing) {
      const request = tag === Tag.Call ? (message as From).request : message;
      processOf(ctx).node.logger.info(`*DBG* ${ctx.self} got ${tagNames[tag] ?? tag} ${describe(request)}`);
    }
    return false;
  }

  /** Answers a sys request. Returns the held messages when it resumes, for the behaviour to handle in order. */
  handle(from: From, view: SystemView, ctx: ProcessContext): Held[] | undefined {
    const request = from.request as SysRequest;
    try {
      switch (request.$sys) {
        case 'get_state':
          from.reply({ ok: view.getState() });
          return;
        case 'replace_state': {
          // A spec arrived from another scheduler (or was passed here): load the function on this thread.
          const spec = request.fn;
          const fn =
            typeof spec === 'function'
              ? spec
              : (state: unknown) =>
                  loadExport<(state: unknown, ...args: unknown[]) => unknown>({
                    module: spec.module,
                    export: spec.export,
                  })(state, ...(spec.args ?? []));
          from.reply({ ok: view.replaceState(fn) });
          return;
        }
        case 'get_status': {
          const status: SysStatus = {
            pid: ctx.self,
            behaviour: view.kind,
            status: this.held === null ? 'running' : 'suspended',
            state: view.formatStatus(),
            hibernations: view.hibernations?.() ?? 0,
            mailboxSlots: mailboxSlots(ctx),
          };
          from.reply({ ok: status });
          return;
        }
        case 'suspend':
          this.held ??= [];
          from.reply({ ok: undefined });
          return;
        case 'resume': {
          const held = this.held;
          this.held = null;
          from.reply({ ok: undefined });
          return held ?? undefined;
        }
        case 'trace':
          this.tracing = request.on;
          from.reply({ ok: undefined });
          return;
        case 'statistics': {
          if (request.on === 'get') {
            const s = this.statistics;
            const answer: SysStatistics | undefined =
              s === null ? undefined : { startTime: s.startTime, currentTime: Date.now(), messagesIn: s.messagesIn };
            from.reply({ ok: answer });
          } else {
            this.statistics = request.on ? { startTime: Date.now(), messagesIn: 0 } : null;
            from.reply({ ok: undefined });
          }
          return;
        }
        default:
          from.reply({ error: `unknown sys request ${describe((request as { $sys: unknown }).$sys)}` });
      }
    } catch (error) {
      // A replaceState or formatStatus that throws: the caller gets the error, the process carries on (as sys).
      from.reply({ error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
