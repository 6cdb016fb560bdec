/**
 * Hosting's side of MCP telemetry: the events go on the running node's bus, and otp's
 * TelemetryEvents learns their types, so `node.events.on('mcp:request', ...)` is typed.
 */
import { currentNode, type Pid } from '@erlmcp/otp';
import {
  installTelemetry,
  type McpConnectionEvent as ConnectionEvent,
  type McpRequestEvent,
  type McpTelemetryBus,
  type McpTransportEvent,
} from '../server/telemetry';

export type McpConnectionEvent = ConnectionEvent<Pid>;

declare module '@erlmcp/otp' {
  interface TelemetryEvents {
    'mcp:connection': (event: McpConnectionEvent) => void;
    'mcp:request': (event: McpRequestEvent) => void;
    'mcp:transport': (event: McpTransportEvent) => void;
  }
}

installTelemetry(() => {
  try {
    // The typed bus declares each event's listener; the server side emits through the narrower McpTelemetryBus.
    return currentNode().events as unknown as McpTelemetryBus;
  } catch {
    return undefined; // no node running in this thread
  }
});
