/**
 * Latency families fed by timed events: registry lookups (`registry:lookup`, one lookup in
 * LOOKUP_SAMPLE_EVERY is timed), MCP transports sending and receiving (`mcp:transport`), and
 * the worker schedulers' telemetry that could not be forwarded (`telemetry:dropped`).
 */
import type { McpTransportEvent } from '@erlmcp/mcp/server';
import type { Node } from '@erlmcp/otp';
import { Counter, type Registry } from 'prom-client';
import { FastHistogram } from './children';
import { LATENCY_BUCKETS } from './mcp';

/** Seconds, 50 ns to 1 ms: a lookup reads shared memory, and a slow one waits on a lock or a page fault. */
export const LOOKUP_BUCKETS = [5e-8, 1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 1e-3];

/** Seconds, 10 µs to 10 s: a write into a socket's buffer, up to a client too slow to read. */
export const TRANSPORT_BUCKETS = [0.00001, 0.000025, 0.00005, ...LATENCY_BUCKETS];

export function latencyFamilies(node: Node, registers: Registry[]): () => void {
  const lookups = new FastHistogram(
    'erlmcp_registry_lookup_duration_seconds',
    'Registry lookup time, by registry ("local" for whereis, else the sharded registry\'s name). One lookup in 64 is timed (LOOKUP_SAMPLE_EVERY): the count is the sampled lookups, the clock reads are included.',
    ['registry'],
    LOOKUP_BUCKETS,
    registers,
  );
  const transport = new FastHistogram(
    'erlmcp_mcp_transport_duration_seconds',
    "Hosted MCP sessions' transport time, by transport and direction: receive is from the transport handing input to the session to its dispatch (mailbox wait included); send is from the session handing a message to its transport to the transport taking it.",
    ['transport', 'direction'],
    TRANSPORT_BUCKETS,
    registers,
  );
  const dropped = new Counter({
    name: 'erlmcp_telemetry_dropped_events_total',
    help: "Worker schedulers' telemetry events that did not reach the main thread (buffer full between two flushes, or no serialized form), by scheduler.",
    labelNames: ['scheduler'],
    registers,
  });
  const onLookup = (e: { registry: string; durationMs: number }): void =>
    lookups.observe([e.registry], e.durationMs / 1000);
  const onTransport = (e: McpTransportEvent): void =>
    transport.observe([e.transport, e.direction], e.durationMs / 1000);
  const onDropped = (e: { scheduler: number; events: number }): void =>
    dropped.inc({ scheduler: String(e.scheduler) }, e.events);
  node.events.on('registry:lookup', onLookup);
  node.events.on('mcp:transport', onTransport);
  node.events.on('telemetry:dropped', onDropped);
  return () => {
    node.events.off('registry:lookup', onLookup);
    node.events.off('mcp:transport', onTransport);
    node.events.off('telemetry:dropped', onDropped);
  };
}
