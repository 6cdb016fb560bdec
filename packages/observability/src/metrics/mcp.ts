/**
 * MCP's families: connections (accepted, rejected, errors, establishment time, current
 * sessions), requests, tool calls and resource reads, from `mcp:connection` and
 * `mcp:request` events on the node's bus. Session ids are never labels.
 */
import type { McpConnectionEvent } from '@erlmcp/mcp/hosting';
import type { McpRequestEvent } from '@erlmcp/mcp/server';
import type { Node } from '@erlmcp/otp';
import { Gauge, type Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './children';
import { methodLabel } from './labels';
import type { MetricSources } from './sources';

/** Seconds, from 100 µs to 10 s: MCP requests span a cached answer to a slow tool. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function mcpFamilies(node: Node, registers: Registry[], sources: MetricSources): () => void {
  const accepted = new FastCounter(
    'erlmcp_mcp_connections_accepted_total',
    'MCP sessions started, by transport.',
    ['transport'],
    registers,
  );
  const rejected = new FastCounter(
    'erlmcp_mcp_connections_rejected_total',
    'MCP connections refused before a session started, by transport and reason (capacity, or the HTTP status of a failed Host/Origin/token check).',
    ['transport', 'reason'],
    registers,
  );
  const errors = new FastCounter(
    'erlmcp_mcp_connection_errors_total',
    'MCP sessions that failed to start, by transport.',
    ['transport'],
    registers,
  );
  const establish = new FastHistogram(
    'erlmcp_mcp_connection_establishment_seconds',
    'Time to start an MCP session process, by transport.',
    ['transport'],
    LATENCY_BUCKETS,
    registers,
  );
  new Gauge({
    name: 'erlmcp_mcp_sessions',
    help: 'Live MCP sessions (session processes) of the hosts given to the metrics.',
    registers,
    collect() {
      this.set(sources.sessions?.sessionCount ?? 0);
    },
  });
  const requests = new FastCounter(
    'erlmcp_mcp_requests_total',
    'MCP requests answered, by method and outcome (ok, error, tool_error).',
    ['method', 'outcome'],
    registers,
  );
  const duration = new FastHistogram(
    'erlmcp_mcp_request_duration_seconds',
    'From a session receiving an MCP request to its result or error, by method.',
    ['method'],
    LATENCY_BUCKETS,
    registers,
  );
  const tools = new FastCounter(
    'erlmcp_mcp_tool_calls_total',
    'tools/call requests, by tool (or "unknown") and outcome.',
    ['tool', 'outcome'],
    registers,
  );
  const toolDuration = new FastHistogram(
    'erlmcp_mcp_tool_duration_seconds',
    'Tool execution time, by tool.',
    ['tool'],
    LATENCY_BUCKETS,
    registers,
  );
  const reads = new FastCounter(
    'erlmcp_mcp_resource_reads_total',
    'resources/read requests, by outcome.',
    ['outcome'],
    registers,
  );

  const onConnection = (e: McpConnectionEvent): void => {
    if (e.outcome === 'accepted') {
      accepted.inc([e.transport]);
      establish.observe([e.transport], e.durationMs / 1000);
    } else if (e.outcome === 'rejected') rejected.inc([e.transport, e.reason ?? 'unknown']);
    else errors.inc([e.transport]);
  };
  const onRequest = (e: McpRequestEvent): void => {
    const method = methodLabel(e.method);
    const seconds = e.durationMs / 1000;
    requests.inc([method, e.outcome]);
    duration.observe([method], seconds);
    if (method === 'tools/call') {
      const tool = e.tool ?? 'unknown';
      tools.inc([tool, e.outcome]);
      toolDuration.observe([tool], seconds);
    } else if (method === 'resources/read') reads.inc([e.outcome]);
  };
  node.events.on('mcp:connection', onConnection);
  node.events.on('mcp:request', onRequest);
  return () => {
    node.events.off('mcp:connection', onConnection);
    node.events.off('mcp:request', onRequest);
  };
}
