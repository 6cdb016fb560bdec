/**
 * The batcher process: a GenServer whose state (BatcherState, batcher-state.ts)
 * owns the queue, the open batches, the windows, the sink slots and the timeouts.
 *
 * Messages (casts, and timer messages as infos):
 *   Chunk       entries added in one synchronous run of the caller's thread
 *   Cancel      an entry's signal fired: take it out of its batch if not yet sent
 *   Batch       the sink settled this batch (posted by the sink's promise callbacks, the
 *               outcome in the batch: no message object per batch)
 *   Wake        an alarm (alarm.ts): the earliest window is over, or the oldest batch at the
 *               sink has had its time
 * Call:
 *   'flush'     close every open batch; reply once every batch that exists now has finished
 *
 * Why the sink is not awaited in a callback: that would hold the mailbox for the sink's whole
 * latency, one batch at a time. The sink's promise posts the batch back instead, so batches
 * overlap up to `maxInFlight` and the process stays free to take items.
 *
 * This file is the GenServer's callbacks; the messages are declared in messages.ts.
 */
import { GenServer, ok, type ProcessContext } from '@erlmcp/otp';
import { BatcherState } from './batcher-state';
import type { Host, ServerMessage } from './messages';

export const batcherServer = GenServer.define({
  name: 'message_batcher',
  init: (host: Host, ctx: ProcessContext) => {
    const state = new BatcherState(host, ctx);
    host.attach(ctx.self, state.started);
    return ok(state);
  },
  handleCast: (message: ServerMessage, state: BatcherState) => {
    state.handle(message);
    return state.noreply;
  },
  handleInfo: (message, state: BatcherState) => {
    state.handle(message as ServerMessage);
    return state.noreply;
  },
  handleCall: (_request: 'flush', from, state: BatcherState) => {
    state.flush(from);
    return state.noreply;
  },
  terminate: (_reason, state: BatcherState) => state.terminate(),
});
