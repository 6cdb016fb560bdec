/**
 * MCP's events on the node's telemetry bus (`node.events`, eventemitter3). Observability
 * subscribes to them; mcp never imports it. The declaration below adds them to otp's
 * TelemetryEvents, so `node.events.on('mcp:request', ...)` is typed. Nothing is measured
 * or built unless someone listens.
 */
import { currentNode, type Pid, type TelemetryBus } from '@erlmcp/otp';

/** The transport a session came in on: Streamable HTTP, WebSocket, or NDJSON lines (stdio, TCP). */
export type McpTransportKind = 'http' | 'websocket' | 'ndjson';

export interface McpConnectionEvent {
  transport: McpTransportKind;
  /** accepted: a session process started; rejected: refused before one (capacity, Host/Origin, token); error: it failed to start. */
  outcome: 'accepted' | 'rejected' | 'error';
  /** Why a connection was refused: 'capacity', or the HTTP status of a refused check ('403', '401', '400'). */
  reason?: string;
  /** Time to start the session process (0 for a refusal before one was started), ms. */
  durationMs: number;
  /** The session's process, when accepted. */
  pid?: Pid;
}

export interface McpRequestEvent {
  /** The JSON-RPC method as the client sent it (observers bound it to the methods they know). */
  method: string;
  /** For tools/call: the tool's name when the server has such a tool, else undefined. */
  tool?: string;
  /** From the session receiving the request to its result or error, ms. */
  durationMs: number;
  /** error: a JSON-RPC error; tool_error: a tools/call result with isError. */
  outcome: 'ok' | 'error' | 'tool_error';
}

declare module '@erlmcp/otp' {
  interface TelemetryEvents {
    'mcp:connection': (event: McpConnectionEvent) => void;
    'mcp:request': (event: McpRequestEvent) => void;
  }
}

/** The bus, when a node is running and someone listens for `event`; else undefined. */
export function listening(event: 'mcp:connection' | 'mcp:request'): TelemetryBus | undefined {
  let bus: TelemetryBus;
  try {
    bus = currentNode().events;
  } catch {
    return undefined;
  }
  return bus.listenerCount(event) > 0 ? bus : undefined;
}

export function emitConnection(event: McpConnectionEvent): void {
  listening('mcp:connection')?.emit('mcp:connection', event);
}
