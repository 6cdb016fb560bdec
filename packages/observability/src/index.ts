/**
 * @erlmcp/observability: Prometheus metrics fed by the runtime's telemetry, the
 * `/metrics` and `/observer` routes, alert rules, and the `erlmcp` command line.
 * Any new export here becomes public API.
 */
export { RuntimeMetrics, type RuntimeMetricsOptions } from './metrics/runtime-metrics';
export type {
  AttentionSource,
  CacheSource,
  MetricSources,
  RegistrySource,
  SessionCountSource,
} from './metrics/sources';
export { LOOKUP_BUCKETS, TRANSPORT_BUCKETS } from './metrics/latency';
export { MAX_NAMED_PROCESSES } from './metrics/processes';
export { memoryLimitBytes } from './metrics/runtime';
export { LATENCY_BUCKETS } from './metrics/mcp';
export { observabilityRoutes, type ObservabilityRoutesOptions, type RouteVerdict } from './http/routes';
export { Observer, KillNotAllowedError, NoSuchProcessError, type ObserverOptions } from './observer/observer';
export type { NodeView, ProcessView, SessionView, Snapshot, TableView } from './observer/snapshot';
export { SNAPSHOT_INTERVAL_MS } from './observer/route';
export { ALERT_RULES_FILE } from './rules/path';
export { run as runCli } from './cli/program';
export { ExitCode } from './cli/exit-codes';
