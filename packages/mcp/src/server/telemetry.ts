/**
 * MCP's telemetry events, `mcp:connection` and `mcp:request`. The server side emits them
 * on whatever bus the hosting installed (`installTelemetry`): @erlmcp/mcp/hosting installs
 * the running node's bus (`node.events`), which observability subscribes to. The server
 * entry itself loads no runtime, so with no hosting loaded nothing is emitted, and nothing
 * is measured or built unless someone listens.
 */

/** The transport a session came in on: Streamable HTTP, WebSocket, or NDJSON lines (stdio, TCP). */
export type McpTransportKind = 'http' | 'websocket' | 'ndjson';

/** `P` is the session process's pid type: @erlmcp/mcp/hosting names it (`Pid` of @erlmcp/otp). */
export interface McpConnectionEvent<P = unknown> {
  transport: McpTransportKind;
  /** accepted: a session process started; rejected: refused before one (capacity, Host/Origin, token); error: it failed to start. */
  outcome: 'accepted' | 'rejected' | 'error';
  /** Why a connection was refused: 'capacity', or the HTTP status of a refused check ('403', '401', '400'). */
  reason?: string;
  /** Time to start the session process (0 for a refusal before one was started), ms. */
  durationMs: number;
  /** The session's process, when accepted. */
  pid?: P;
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
  /**
   * From the request's `_meta` trace context (`traceparent`, W3C Trace Context), when it
   * carried a valid one: the trace, and the caller's span that this request is a child of.
   */
  traceId?: string;
  parentSpanId?: string;
  sampled?: boolean;
}

/** A hosted session's transport at work, timed. */
export interface McpTransportEvent {
  transport: McpTransportKind;
  /**
   * receive: from the transport handing an input to the session (SessionHost.deliver) to the
   * session process having parsed and dispatched it, the wait in its mailbox included;
   * send: from the session handing a message to its transport to the transport taking it
   * (written to its socket or stream; under backpressure, once the send's promise settles).
   */
  direction: 'send' | 'receive';
  durationMs: number;
}

export type McpTelemetryEvent = 'mcp:connection' | 'mcp:request' | 'mcp:transport';

/** The part of an event bus the server side uses (an eventemitter3 emitter has it). */
export interface McpTelemetryBus {
  listenerCount(event: McpTelemetryEvent): number;
  emit(event: McpTelemetryEvent, payload: McpConnectionEvent | McpRequestEvent | McpTransportEvent): boolean;
}

let currentBus: (() => McpTelemetryBus | undefined) | undefined;

/** @internal Called by the hosting entry when it loads: where the events go from now on. */
export function installTelemetry(bus: () => McpTelemetryBus | undefined): void {
  currentBus = bus;
}

/** The bus, when one is installed and someone listens for `event`; else undefined. */
export function listening(event: McpTelemetryEvent): McpTelemetryBus | undefined {
  const bus = currentBus?.();
  return bus !== undefined && bus.listenerCount(event) > 0 ? bus : undefined;
}

/** Emits a transport timing that began at `start` (performance.now()) on `bus`. */
export function emitTransport(
  bus: McpTelemetryBus,
  transport: McpTransportKind,
  direction: McpTransportEvent['direction'],
  start: number,
): void {
  bus.emit('mcp:transport', { transport, direction, durationMs: performance.now() - start });
}

export function emitConnection(event: McpConnectionEvent): void {
  listening('mcp:connection')?.emit('mcp:connection', event);
}
