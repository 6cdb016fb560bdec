import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcPayload } from '@erlmcp/mcp';

interface Endpoint {
  receive(payload: JsonRpcPayload): void;
  close(): void;
}

/**
 * An SDK Transport whose far end is one of our sessions: SDK → session.receive, and the
 * session's send → SDK onmessage. Deliveries are deferred a tick, like a real transport.
 */
export class SessionBridgeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private endpoint: Endpoint | undefined;
  private closed = false;

  attach(endpoint: Endpoint): void {
    this.endpoint = endpoint;
  }

  /** Give this to the session as its `send`. */
  readonly deliver = (payload: JsonRpcPayload): void => {
    if (this.closed) return;
    const messages = Array.isArray(payload) ? payload : [payload];
    setImmediate(() => {
      for (const message of messages) this.onmessage?.(JSON.parse(JSON.stringify(message)) as JSONRPCMessage);
    });
  };

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('closed');
    const copy = JSON.parse(JSON.stringify(message)) as JsonRpcPayload;
    setImmediate(() => this.endpoint?.receive(copy));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endpoint?.close();
    this.onclose?.();
  }
}
