import { currentNode, forwardTelemetry, timeLookups, type Node } from '@erlmcp/otp';
import { collectDefaultMetrics, type Gauge, Registry } from 'prom-client';
import { cacheFamilies } from './caches';
import { latencyFamilies } from './latency';
import { mcpFamilies } from './mcp';
import { processFamilies } from './processes';
import { qualityFamilies } from './quality';
import { runtimeFamilies } from './runtime';
import type { MetricSources } from './sources';

/** The events the metrics count, which worker schedulers forward to the main thread. */
const FORWARDED_EVENTS = [
  'spawn',
  'exit',
  'restart',
  'intensity',
  'mcp:connection',
  'mcp:request',
  'mcp:transport',
  'batcher:batch',
  'registry:lookup',
] as const;

export interface RuntimeMetricsOptions {
  /** The node whose bus to subscribe to; default the current node. */
  node?: Node;
  /** Stats functions to read at each scrape (session hosts, registries, attention servers). */
  sources?: MetricSources;
  /** prom-client's Node.js metrics (RSS, heap, GC pauses from perf_hooks, event-loop lag, handles); default true. */
  defaultMetrics?: boolean;
}

/**
 * Prometheus metrics of one node, fed by its telemetry: subscribes to `node.events` when
 * made, reads the stats functions when scraped. Each instance has its own prom-client
 * Registry, so two nodes in one process (tests) do not share series. `close()` unsubscribes.
 *
 * Events are those of the thread it runs on (scheduler 0, where I/O lives); scheduler
 * figures (run queues, utilisation, messages, process counts) cover every scheduler,
 * read from shared memory.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  /** Resolves once every worker scheduler forwards the events counted here (at once on one scheduler). */
  readonly ready: Promise<void>;
  private readonly stops: (() => void)[] = [];
  private readonly speedup: Gauge<'kernel'>;

  constructor(options: RuntimeMetricsOptions = {}) {
    const node = options.node ?? currentNode();
    const sources = options.sources ?? {};
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.stops.push(runtimeFamilies(node, registers));
    this.stops.push(mcpFamilies(node, registers, sources));
    const quality = qualityFamilies(node, registers, sources);
    this.stops.push(quality.stop);
    this.speedup = quality.speedup;
    this.stops.push(latencyFamilies(node, registers));
    cacheFamilies(registers, sources);
    processFamilies(registers);
    // Processes on worker schedulers emit on their threads' buses: have those events brought here.
    const forwarding = forwardTelemetry(FORWARDED_EVENTS, node);
    this.ready = forwarding.ready;
    this.stops.push(forwarding);
    // whereis is timed (one in 64) only while someone asks for it: the metrics do.
    this.stops.push(timeLookups(node));
  }

  /** The Prometheus text exposition (format 0.0.4) of every family. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type to serve {@link metrics} with. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records an attention speedup the application measured (`FlashAttention.measureSpeedup()`). */
  recordAttentionSpeedup(measurement: { speedup: number }, kernel = 'default'): void {
    if (Number.isFinite(measurement.speedup)) this.speedup.set({ kernel }, measurement.speedup);
  }

  /** Unsubscribes from the node's bus and stops the default collectors. */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.registry.clear();
  }
}
