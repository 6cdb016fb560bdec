import { GenServer, reply } from '@erlmcp/otp';

/** What a shard worker is asked: echo a text back (the tool's work), after `delayMs`. */
export interface ShardCall {
  text: string;
  delayMs: number;
}

/**
 * A tool worker of the chaos server: the `work` tool of the sessions of one shard calls it.
 * Loaded by module path so that it can run on a worker scheduler too (code crosses threads by
 * name), where a scheduler thread killed under it takes it down.
 */
export const shardWorker = GenServer.define({
  name: 'chaos_shard',
  init: (shard: number) => ({ kind: 'ok' as const, state: { shard, calls: 0 } }),
  async handleCall(request: ShardCall, _from, state: { shard: number; calls: number }) {
    if (request.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
    return reply({ shard: state.shard, text: request.text }, { ...state, calls: state.calls + 1 });
  },
});

/** Crashes the scheduler thread it runs on with an uncaught error outside any process callback. */
export function crashThread(): void {
  setImmediate(() => {
    throw new Error('chaos: scheduler thread crash (on purpose)');
  });
}
