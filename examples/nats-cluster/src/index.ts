export { startCluster, nodeStats, type ClusterOptions, type NodeStats, type RunningCluster } from './cluster';
export { findNatsServer, NatsServer, NatsServerNotFoundError } from '@erlmcp/distribution';
export { runTraffic, formatReport, type PhaseReport, type TrafficOptions, type TrafficReport } from './traffic';
export { clusterDefinition } from './definition';
