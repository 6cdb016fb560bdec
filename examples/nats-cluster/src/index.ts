export { startCluster, nodeStats, type ClusterOptions, type NodeStats, type RunningCluster } from './cluster';
export { findNatsServer, NatsServerNotFoundError, startNats, type RunningNats } from './nats';
export { runTraffic, formatReport, type PhaseReport, type TrafficOptions, type TrafficReport } from './traffic';
export { clusterDefinition } from './definition';
