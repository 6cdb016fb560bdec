/**
 * The table's owner: a GenServer that creates the table in its init (so it
 * owns it, as a process owns the ETS tables it creates: the table goes with
 * it unless an heir takes it) and runs its maintenance on a timer:
 * migration between the tiers, dictionary training, the compaction policy.
 * Restarted by its supervisor, it starts a new, empty table, as a
 * gen_server that owns an ETS table does.
 *
 *   OptimizedTable.childSpec(name, options, { intervalMs })  → a child for any tree
 *   GenServer.call(pid, 'handle')   the table's handle (attach it anywhere)
 *   GenServer.call(pid, 'stats')    hit rates, memory, the last pass's report
 *   GenServer.call(pid, 'maintain') a pass now; replies with its report
 */
import { GenServer, noreply, ok, reply, type ChildSpec, type ProcessContext, type StartOptions } from '@erlmcp/otp';
import type { MaintenanceReport } from './maintenance';
import type { OptimizedTableHandle } from './parts';
import type { HitRates } from './access-stats';
import type { MemoryReport } from './memory-report';

/** What the owner needs of the table class (given by optimized-table.ts, which imports this file). */
export interface OwnedTable {
  handle(): OptimizedTableHandle;
  maintain(): MaintenanceReport;
  hitRates(): HitRates;
  memory(): MemoryReport;
  readonly deleted: boolean;
}

export interface OwnerOptions {
  /** Milliseconds between maintenance passes. Default 1000. */
  intervalMs?: number;
}

export interface OwnerStats {
  hitRates: HitRates;
  memory: MemoryReport;
  lastPass: MaintenanceReport | null;
}

interface OwnerArgs {
  create: () => OwnedTable;
  intervalMs: number;
}

interface OwnerState {
  table: OwnedTable;
  intervalMs: number;
  lastPass: MaintenanceReport | null;
}

export type OwnerCall = 'handle' | 'stats' | 'maintain';

export const ownerServer = GenServer.define({
  init: (args: OwnerArgs, ctx: ProcessContext) => {
    const table = args.create();
    ctx.sendAfter(args.intervalMs, 'maintain');
    return ok<OwnerState>({ table, intervalMs: args.intervalMs, lastPass: null });
  },
  handleCall: (request: OwnerCall, _from, state: OwnerState) => {
    if (request === 'handle') return reply<OwnerState, unknown>(state.table.handle(), state);
    if (request === 'maintain') {
      state.lastPass = state.table.maintain();
      return reply<OwnerState, unknown>(state.lastPass, state);
    }
    const stats: OwnerStats = {
      hitRates: state.table.hitRates(),
      memory: state.table.memory(),
      lastPass: state.lastPass,
    };
    return reply<OwnerState, unknown>(stats, state);
  },
  handleInfo: (message: unknown, state: OwnerState, ctx: ProcessContext) => {
    if (message === 'maintain' && !state.table.deleted) {
      state.lastPass = state.table.maintain();
      ctx.sendAfter(state.intervalMs, 'maintain');
    }
    return noreply(state);
  },
});

export function ownerChildSpec(
  id: string,
  create: () => OwnedTable,
  options: OwnerOptions,
  start: StartOptions = {},
): ChildSpec {
  const intervalMs = options.intervalMs ?? 1000;
  return GenServer.childSpec(id, ownerServer, { create, intervalMs }, start);
}
