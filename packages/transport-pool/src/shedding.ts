/**
 * Moving room in the common max between the sub-pools of a `schedulers: 'all'`
 * pool: a connection cannot move between threads, so a scheduler whose callers
 * wait at the common max has another close one of its idle connections, and
 * opens its own in its place.
 */
import { GenServer, whereis, type Pid, type ProcessContext } from '@erlmcp/otp';
import { closing, memberName, type PoolState } from './pool-state';

/**
 * Callers wait here while the schedulers' common max is held elsewhere: ask the
 * sub-pool with the most idle connections to close one, so that this one can
 * open its own (a connection cannot move between threads).
 */
export function askToShed(state: PoolState, ctx: ProcessContext): void {
  const { shared, core } = state;
  if (shared === undefined || state.shedAsked) return;
  const k = core.limit!.mostIdle(shared.schedulers);
  const member = k < 0 ? undefined : whereis(memberName(shared.group, k));
  if (member === undefined) return;
  state.shedAsked = true;
  GenServer.cast(member, { op: 'shed', from: ctx.self } as never);
}

/**
 * Another scheduler's callers wait at the common max: close one idle connection
 * above this sub-pool's min, if there is one. If there is none, the asker is not
 * answered (an answer would have it ask again at once); it asks again at its
 * next sweep.
 */
export function shed(state: PoolState, from: Pid): void {
  const { core } = state;
  const open = core.conns.size - closing(core);
  if (core.idle.length === 0 || open <= core.options.min) return;
  const conn = core.idle.shift()!;
  core.publishSpare();
  state.owed.push(from);
  core.emit('pool:shrink', { pool: core.options.name, size: core.conns.size - 1, id: conn.id, reason: 'shed' });
  core.retire(conn);
}

/** The pool forgot a connection: a sub-pool that asked for room gets it now. */
export function roomMade(state: PoolState): void {
  const to = state.owed.shift();
  if (to !== undefined) GenServer.cast(to, { op: 'room' } as never);
}
