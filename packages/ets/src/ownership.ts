/**
 * Table ownership, as in ETS: a table belongs to the process that created it
 * (or to the node, when created outside any process), is given away with
 * `giveAway`, and when its owner exits it goes to its heir (with an
 * ETS-TRANSFER message) or is deleted.
 *
 * Processes live on the node's thread, so this bookkeeping (heir data, exit
 * watches) is kept in that thread's memory; the owner itself is also written
 * to the control buffer, where access checks in every thread read it.
 */
import { awaitExit, isProcessAlive, schedulerOfPid, send, type Pid } from '@erlmcp/otp';
import { BadArgError } from './errors';
import type { Table } from './table';
import type { EtsTransferMessage, HeirSpec, Owner, Tuple } from './types';

interface OwnerState {
  heir: HeirSpec | null;
  /** Bumped on every owner change, so a stale exit watch does nothing. */
  generation: number;
}

const states = new WeakMap<Table<Tuple>, OwnerState>();

function stateOf(table: Table<Tuple>): OwnerState {
  let state = states.get(table);
  if (state === undefined) states.set(table, (state = { heir: null, generation: 0 }));
  return state;
}

/**
 * Whether `pid` is a live process of this thread's scheduler (false when no
 * node runs here); undefined for a process on another scheduler, which only
 * that scheduler can answer for.
 */
function aliveHere(pid: Pid): boolean | undefined {
  try {
    return isProcessAlive(pid);
  } catch {
    return false;
  }
}

/**
 * Refuses a process of another scheduler as owner or heir. The exit watch,
 * the heir and the Table in the ETS-TRANSFER message all live in this
 * thread, so such a process could not take them over: accepted, the table
 * would be deleted with its owner instead of passing on.
 */
function requireThisScheduler(pid: Pid, what: string): void {
  if (aliveHere(pid) === undefined) {
    throw new BadArgError(
      `${what}: ${pid} runs on another scheduler (${schedulerOfPid(pid)}); a table passes only to processes of the scheduler that holds its ownership`,
    );
  }
}

/**
 * Makes `owner` the table's owner and, for a process, arranges for the
 * table's fate to be settled when it exits. `onOrphaned` deletes the table.
 */
export function assignOwner(table: Table<Tuple>, owner: Owner, onOrphaned: (table: Table<Tuple>) => void): void {
  const state = stateOf(table);
  const generation = ++state.generation;
  table.setOwner(owner);
  if (owner === 'node') return;
  void awaitExit(owner).then(() => {
    if (state.generation !== generation || table.deleted) return;
    const heir = state.heir;
    if (heir !== null && !heir.pid.equals(owner) && aliveHere(heir.pid) === true) {
      state.heir = null;
      transfer(table, owner, heir.pid, heir.data, onOrphaned);
    } else {
      onOrphaned(table);
    }
  });
}

/** Moves the table to `to` and sends it the ETS-TRANSFER message. */
export function transfer(
  table: Table<Tuple>,
  from: Owner,
  to: Pid,
  data: unknown,
  onOrphaned: (table: Table<Tuple>) => void,
): void {
  assignOwner(table, to, onOrphaned);
  const message: EtsTransferMessage = { type: 'ETS-TRANSFER', table, from, heirData: data };
  send(to, message);
}

export function giveAway(
  table: Table<Tuple>,
  pid: Pid,
  giftData: unknown,
  onOrphaned: (table: Table<Tuple>) => void,
): void {
  const from = table.owner;
  requireThisScheduler(pid, 'giveAway');
  if (aliveHere(pid) !== true) throw new BadArgError(`giveAway: ${pid} is not a live process`);
  if (from !== 'node' && from.equals(pid)) throw new BadArgError(`giveAway: ${pid} already owns ${table.name}`);
  transfer(table, from, pid, giftData, onOrphaned);
}

/** Validates an heir option (BadArgError), before anything is changed. */
export function checkHeir(heir: HeirSpec | 'none'): void {
  if (heir === 'none') return;
  if (heir === null || typeof heir !== 'object' || typeof heir.pid?.equals !== 'function') {
    throw new BadArgError("heir must be { pid, data? } or 'none'");
  }
  requireThisScheduler(heir.pid, 'heir');
}

export function setHeir(table: Table<Tuple>, heir: HeirSpec | 'none'): void {
  checkHeir(heir);
  stateOf(table).heir = heir === 'none' ? null : { pid: heir.pid, data: heir.data };
}

export function heirOf(table: Table<Tuple>): Pid | 'none' {
  return states.get(table)?.heir?.pid ?? 'none';
}

export function forget(table: Table<Tuple>): void {
  const state = states.get(table);
  if (state !== undefined) {
    state.generation++;
    state.heir = null;
  }
}
