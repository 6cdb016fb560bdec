/**
 * Write coalescing for a hosted connection's outbound messages (hostNdjson's
 * `coalescer` option). The connection hands every encoded message it would
 * write to `submit`, with `write`, which puts several texts on the wire in one
 * transport write. A coalescer gathers what one connection produces in a window
 * and calls `write` once with them, in the order submitted. Each text stays its
 * own JSON-RPC message on the wire (no JSON-RPC batching, which MCP removed in
 * 2025-06-18). @erlmcp/message-batcher's Batcher is one implementation (see
 * examples/mcp-server); this package depends on none.
 */
export interface OutboundCoalescer {
  /** One encoded message of `connection`; `write` is the same for every message of a connection. */
  submit(connection: string, text: string, write: (texts: readonly string[]) => void): void;
  /** Writes what is held for `connection` now; the connection waits for it before it closes. */
  flush(connection: string): Promise<void>;
}
