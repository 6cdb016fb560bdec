/**
 * MCP's families: connections (accepted, rejected, errors, establishment time, current
 * sessions), requests, tool calls and resource reads, from `mcp:connection` and
 * `mcp:request` events on the node's bus. Session ids are never labels.
 */
import type { McpConnectionEvent, McpRequestEvent } from '@erlmcp/mcp';
import type { Node } from '@erlmcp/otp';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { methodLabel } from './labels';
import type { MetricSources } from './sources';

/** Seconds, from 100 µs to 10 s: MCP requests span a cached answer to a slow tool. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function mcpFamilies(node: Node, registers: Registry[], sources: MetricSources): () => void {
  const accepted = new Counter({ name: 'erlmcp_mcp_connections_accepted_total', help: 'MCP sessions started, by transport.', labelNames: ['transport'], registers });
  const rejected = new Counter({
    name: 'erlmcp_mcp_connections_rejected_total',
    help: 'MCP connections refused before a session started, by transport and reason (capacity, or the HTTP status of a failed Host/Origin/token check).',
    labelNames: ['transport', 'reason'],
    registers,
  });
  const errors = new Counter({ name: 'erlmcp_mcp_connection_errors_total', help: 'MCP sessions that failed to start, by transport.', labelNames: ['transport'], registers });
  const establish = new Histogram({
    name: 'erlmcp_mcp_connection_establishment_seconds',
    help: 'Time to start an MCP session process, by transport.',
    labelNames: ['transport'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'erlmcp_mcp_sessions',
    help: 'Live MCP sessions (session processes) of the hosts given to the metrics.',
    registers,
    collect() {
      this.set(sources.sessions?.sessionCount ?? 0);
    },
  });
  const requests = new Counter({ name: 'erlmcp_mcp_requests_total', help: 'MCP requests answered, by method and outcome (ok, error, tool_error).', labelNames: ['method', 'outcome'], registers });
  const duration = new Histogram({
    name: 'erlmcp_mcp_request_duration_seconds',
    help: 'From a session receiving an MCP request to its result or error, by method.',
    labelNames: ['method'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const tools = new Counter({ name: 'erlmcp_mcp_tool_calls_total', help: 'tools/call requests, by tool (or "unknown") and outcome.', labelNames: ['tool', 'outcome'], registers });
  const toolDuration = new Histogram({ name: 'erlmcp_mcp_tool_duration_seconds', help: 'Tool execution time, by tool.', labelNames: ['tool'], buckets: LATENCY_BUCKETS, registers });
  const reads = new Counter({ name: 'erlmcp_mcp_resource_reads_total', help: 'resources/read requests, by outcome.', labelNames: ['outcome'], registers });

  const onConnection = (e: McpConnectionEvent): void => {
    if (e.outcome === 'accepted') {
      accepted.inc({ transport: e.transport });
      establish.observe({ transport: e.transport }, e.durationMs / 1000);
    } else if (e.outcome === 'rejected') rejected.inc({ transport: e.transport, reason: e.reason ?? 'unknown' });
    else errors.inc({ transport: e.transport });
  };
  const onRequest = (e: McpRequestEvent): void => {
    const method = methodLabel(e.method);
    const seconds = e.durationMs / 1000;
    requests.inc({ method, outcome: e.outcome });
    duration.observe({ method }, seconds);
    if (method === 'tools/call') {
      const tool = e.tool ?? 'unknown';
      tools.inc({ tool, outcome: e.outcome });
      toolDuration.observe({ tool }, seconds);
    } else if (method === 'resources/read') reads.inc({ outcome: e.outcome });
  };
  node.events.on('mcp:connection', onConnection);
  node.events.on('mcp:request', onRequest);
  return () => {
    node.events.off('mcp:connection', onConnection);
    node.events.off('mcp:request', onRequest);
  };
}
