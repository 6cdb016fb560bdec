/**
 * Moving names between shards at run time, while lookups go on.
 *
 * The placement epoch goes odd (readers then look in the old placement, then
 * the new; writers back off), writers in progress drain, each moving row is
 * copied to its new table and only then deleted from the old one, the new
 * shard count is published and the epoch goes even. A move that fails part
 * way (a table would pass its maximum, or the process running it was ended
 * with the registry's supervisor) puts every row back first.
 */
import type { Table } from '@erlmcp/ets';
import { Supervisor, type ChildSpec, type Pid } from '@erlmcp/otp';
import { NotRunningError } from './errors';
import { C_CUR, C_EPOCH, C_NEXT, C_PREV, versionWord } from './layout';
import { jumpHash } from './placement';
import { hashKey, type Row } from './rows';

const MIGRATION_BATCH = 512;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a move needs of the registry: its shared words, its tables and its supervised shards. */
export interface ShardSet {
  readonly ctl: Int32Array;
  readonly tables: readonly Table<Row>[];
  /** The registry's supervisor (the move runs on its scheduler). */
  readonly supervisor: Pid;
  /** Shard `index`'s child spec (a supervisor over its processes). */
  spec(index: number): ChildSpec;
  /** Has every process of shard `index` rebuild its monitors from its table. */
  resync(index: number): Promise<void>;
  /** Whether a writer on any thread is inside a write. */
  writing(): boolean;
  /** Whether the process running the move is still alive (it ends with the registry's supervisor). */
  running(): boolean;
}

export async function moveShards(set: ShardSet, target: number): Promise<void> {
  const { ctl, tables, supervisor } = set;
  const from = Atomics.load(ctl, C_CUR);
  if (target === from) return;
  for (let i = from; i < target; i++) {
    try {
      ended(set);
      await Supervisor.startChild(supervisor, set.spec(i));
    } catch (error) {
      // The shards started so far go too: left running, they would make every later grow fail.
      for (let j = i - 1; j >= from; j--) await stopShard(supervisor, j);
      throw error;
    }
  }
  // A move whose process was ended may still be putting rows back (it does when it next runs): not two at once.
  while ((Atomics.load(ctl, C_EPOCH) & 1) === 1) await sleep(1);
  Atomics.store(ctl, C_PREV, from);
  Atomics.store(ctl, C_NEXT, target);
  Atomics.add(ctl, C_EPOCH, 1); // odd: readers look in both placements, writers back off
  let failure: { error: unknown } | undefined;
  try {
    // A process's promise runs on after the process is ended: each step checks that the move's process still runs.
    while (set.writing()) {
      await sleep(1);
      ended(set);
    }
    let moved = 0;
    for (let s = 0; s < from; s++) {
      const source = tables[s]!;
      const leaving: Row[] = [];
      for (const row of source.tab2list()) if (jumpHash(hashKey(row[0]), target) !== s) leaving.push(row);
      for (let i = 0; i < leaving.length; i += MIGRATION_BATCH) {
        const batch = leaving.slice(i, i + MIGRATION_BATCH);
        // Copy first, then delete: a reader that misses in the old table finds the name in the new one.
        for (const row of batch) {
          const to = jumpHash(hashKey(row[0]), target);
          tables[to]!.insert(row);
          Atomics.add(ctl, versionWord(to), 1);
        }
        for (const row of batch) source.delete(row[0]);
        Atomics.add(ctl, versionWord(s), 1);
        moved += batch.length;
        if (moved % (MIGRATION_BATCH * 4) === 0) {
          await yieldTurn();
          ended(set);
        }
      }
    }
    Atomics.store(ctl, C_CUR, target);
  } catch (error) {
    rollBack(ctl, tables, from, target);
    failure = { error };
  } finally {
    Atomics.add(ctl, C_EPOCH, 1); // even again
  }
  if (failure !== undefined) {
    for (let i = target - 1; i >= from; i--) await stopShard(supervisor, i);
    throw failure.error;
  }
  // Monitors follow the names: each remaining shard rebuilds them from its table.
  for (let i = 0; i < target; i++) await set.resync(i);
  for (let i = from - 1; i >= target; i--) await stopShard(supervisor, i);
}

function ended(set: ShardSet): void {
  if (!set.running()) throw new NotRunningError('reshard: the registry stopped during the move');
}

/**
 * Every row goes back to its table under `from` placement. A row of the batch
 * that failed is still there: it is only deleted from its copy's table (an
 * insert over it would need room for a second copy, and a full old table has
 * none). The others were deleted from it during the move, which puts no row
 * in a table it takes rows from (jump hashing moves names one way), so the
 * blocks they freed are there to take them back.
 */
function rollBack(ctl: Int32Array, tables: readonly Table<Row>[], from: number, target: number): void {
  for (let t = 0; t < Math.max(from, target); t++) {
    for (const row of tables[t]!.tab2list()) {
      const home = jumpHash(hashKey(row[0]), from);
      if (home === t) continue;
      if (!tables[home]!.member(row[0])) {
        tables[home]!.insert(row);
        Atomics.add(ctl, versionWord(home), 1);
      }
      tables[t]!.delete(row[0]);
      Atomics.add(ctl, versionWord(t), 1);
    }
  }
}

export async function stopShard(supervisor: Pid, index: number): Promise<void> {
  await Supervisor.terminateChild(supervisor, `shard-${index}`);
  await Supervisor.deleteChild(supervisor, `shard-${index}`);
}
