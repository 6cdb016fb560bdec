import type { JsonRpcPayload } from '../jsonrpc/types';

/**
 * Write coalescing for a hosted connection's outbound messages (the `coalescer`
 * option of hostNdjson, the WebSocket handler and Streamable HTTP's SSE streams).
 * The connection hands every encoded message it would
 * write to `submit`, with `write`, which puts several texts on the wire in one
 * transport write. A coalescer gathers what one connection produces in a window
 * and calls `write` once with them, in the order submitted. Each text stays its
 * own JSON-RPC message on the wire (no JSON-RPC batching, which MCP removed in
 * 2025-06-18). @erlmcp/message-batcher's Batcher is one implementation (see
 * examples/mcp-server); this package depends on none.
 *
 * NDJSON writes the texts as lines in one write; WebSocket sends each as its own
 * message with the socket corked, so the frames leave in one TCP write; an SSE
 * stream writes each event to its corked response as it comes (so the event log,
 * queues and backpressure see it at once) and `write` uncorks it: the events leave
 * in one TCP write, each its own event.
 */
export interface OutboundCoalescer {
  /**
   * One encoded message of `connection`; `write` is the same for every message of a
   * connection. `urgent` marks an answer: what is held for the connection leaves with it,
   * without waiting for the rest of the window.
   */
  submit(connection: string, text: string, write: (texts: readonly string[]) => void, urgent?: boolean): void;
  /** Writes what is held for `connection` now; the connection waits for it before it closes. */
  flush(connection: string): Promise<void>;
}

/** @internal Whether an outgoing payload answers requests (it then goes `urgent`): responses carry no method. */
export function isAnswer(payload: JsonRpcPayload): boolean {
  const first: object | undefined = Array.isArray(payload) ? payload[0] : payload;
  return first !== undefined && !('method' in first);
}
