/**
 * The scaling projection: how many machines like the measured one a number of MCP
 * connections needs, from figures this machine measured. Pure arithmetic over its inputs,
 * so a test can check it on fixtures; project/inputs.ts reads the inputs from the results.
 *
 *   required rps      = connections × rate per connection
 *   sessions/node     = ⌊node memory × headroom / memory per session⌋
 *   rps/node          = rps per core (p99 < 10 ms) × cores × multi-core efficiency
 *   nodes             = max(⌈connections / sessions per node⌉, ⌈required rps / rps per node⌉,
 *                           ⌈connections / file descriptors per node⌉)
 *   memory/node       = connections per node × memory per session
 *   network/node      = rps per node × bytes per request × 8 bit/s
 */

/** One measured input: its value, which result it came from and when it was measured. */
export interface Measured {
  value: number;
  /** category/scenario (side) */
  source: string;
  measuredOn: string;
}

export interface ProjectionInputs {
  /** RSS bytes per open session. */
  memoryPerSession: Measured;
  /** The largest session count the memory figure was measured at. */
  sessionsMeasured: number;
  /** Requests/s one server core sustains with p99 under 10 ms. */
  requestsPerCore: Measured;
  /** The most concurrent connections the rate figure was measured with. */
  connectionsMeasured: number;
  /** Bytes on the wire per request, both directions. */
  bytesPerRequest: Measured;
  /** Throughput on all measured cores / (cores × throughput on one): 1 is linear. */
  coreEfficiency: Measured;
  /** Cores of the machine the inputs were measured on. */
  coresMeasured: number;
}

/** A machine of the cluster. */
export interface NodeShape {
  cores: number;
  memoryBytes: number;
  /** Open files one server process may have (each connection holds one). */
  fileDescriptors: number;
  /** The share of memory the sessions may use (the memory alert fires above it). */
  memoryHeadroom: number;
  /** V8's old-space limit of one server process. */
  heapLimitBytes: number;
}

export interface Workload {
  connections: number;
  /** Requests per second each connection sends. */
  ratePerConnection: number;
}

export type Bound = 'memory' | 'throughput' | 'file descriptors';

export interface Projection {
  workload: Workload;
  node: NodeShape;
  nodes: number;
  /** What sets the node count. */
  boundBy: Bound;
  requiredRequestsPerSecond: number;
  capacity: {
    sessionsPerNode: number;
    requestsPerSecondPerNode: number;
    connectionsPerNodeByFiles: number;
    efficiency: number;
  };
  perNode: { connections: number; memoryBytes: number; requestsPerSecond: number; networkBitsPerSecond: number };
  total: { memoryBytes: number; requestsPerSecondCapacity: number; networkBitsPerSecond: number };
  /** Where this projection leaves what was measured, each said in numbers. */
  validity: string[];
}

/** Inputs or parameters a projection cannot be made from. */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new ProjectionError(`${name} must be a positive number (got ${value})`);
}

export function project(inputs: ProjectionInputs, node: NodeShape, workload: Workload): Projection {
  positive('connections', workload.connections);
  positive('rate per connection', workload.ratePerConnection);
  positive('node cores', node.cores);
  positive('node memory', node.memoryBytes);
  positive('file descriptors', node.fileDescriptors);
  if (!(node.memoryHeadroom > 0 && node.memoryHeadroom <= 1))
    throw new ProjectionError(`memory headroom must be in (0, 1] (got ${node.memoryHeadroom})`);
  for (const [name, m] of Object.entries({
    memoryPerSession: inputs.memoryPerSession,
    requestsPerCore: inputs.requestsPerCore,
    bytesPerRequest: inputs.bytesPerRequest,
    coreEfficiency: inputs.coreEfficiency,
  })) {
    positive(`${name} (${m.source})`, m.value);
  }
  // Noise can put two cores above twice one; the projection never counts on more than linear.
  const efficiency = Math.min(1, inputs.coreEfficiency.value);
  const requiredRequestsPerSecond = workload.connections * workload.ratePerConnection;
  const sessionsPerNode = Math.floor((node.memoryBytes * node.memoryHeadroom) / inputs.memoryPerSession.value);
  if (sessionsPerNode < 1) throw new ProjectionError('one session does not fit in the node memory');
  const requestsPerSecondPerNode = inputs.requestsPerCore.value * node.cores * efficiency;
  const connectionsPerNodeByFiles = node.fileDescriptors * node.cores; // one server process per core
  const byBound: Record<Bound, number> = {
    memory: Math.ceil(workload.connections / sessionsPerNode),
    throughput: Math.ceil(requiredRequestsPerSecond / requestsPerSecondPerNode),
    'file descriptors': Math.ceil(workload.connections / connectionsPerNodeByFiles),
  };
  const boundBy = (Object.keys(byBound) as Bound[]).reduce((a, b) => (byBound[b] > byBound[a] ? b : a));
  const nodes = Math.max(1, byBound[boundBy]);
  const connections = workload.connections / nodes;
  const perNode = {
    connections,
    memoryBytes: connections * inputs.memoryPerSession.value,
    requestsPerSecond: requiredRequestsPerSecond / nodes,
    networkBitsPerSecond: (requiredRequestsPerSecond / nodes) * inputs.bytesPerRequest.value * 8,
  };
  const projection: Projection = {
    workload,
    node,
    nodes,
    boundBy,
    requiredRequestsPerSecond,
    capacity: { sessionsPerNode, requestsPerSecondPerNode, connectionsPerNodeByFiles, efficiency },
    perNode,
    total: {
      memoryBytes: workload.connections * inputs.memoryPerSession.value,
      requestsPerSecondCapacity: nodes * requestsPerSecondPerNode,
      networkBitsPerSecond: perNode.networkBitsPerSecond * nodes,
    },
    validity: [],
  };
  projection.validity = validity(inputs, projection);
  return projection;
}

const times = (x: number): string => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;

/** Each place where the projection extrapolates past what was measured. */
function validity(inputs: ProjectionInputs, p: Projection): string[] {
  const notes: string[] = [];
  const perProcess = p.perNode.connections / p.node.cores;
  if (perProcess > inputs.sessionsMeasured) {
    notes.push(
      `memory per session was measured up to ${inputs.sessionsMeasured} sessions in one process; this projection puts ${Math.round(perProcess)} in each (${times(perProcess / inputs.sessionsMeasured)} beyond): linear growth is assumed, not measured`,
    );
  }
  if (perProcess > inputs.connectionsMeasured) {
    notes.push(
      `requests/s per core was measured with at most ${inputs.connectionsMeasured} concurrent connections; each process here holds ${Math.round(perProcess)} (${times(perProcess / inputs.connectionsMeasured)} beyond): the cost of many idle connections (timers, socket buffers, the kernel's epoll set) is not in the figure`,
    );
  }
  if (p.node.cores > inputs.coresMeasured) {
    notes.push(
      `multi-core efficiency was measured on ${inputs.coresMeasured} cores; a ${p.node.cores}-core node is assumed to scale the same`,
    );
  }
  if (perProcess * inputs.memoryPerSession.value > p.node.heapLimitBytes) {
    notes.push(
      `each process would hold ${((perProcess * inputs.memoryPerSession.value) / 2 ** 30).toFixed(1)} GiB of sessions, over V8's heap limit of ${(p.node.heapLimitBytes / 2 ** 30).toFixed(1)} GiB: raise --max-old-space-size (benchmarks/README.md, tuning profile) or run more processes per core`,
    );
  }
  if (p.nodes > 1) {
    notes.push(
      `${p.nodes} nodes assume sessions are independent and the load balancer keeps a session on its node (mcp-session-id affinity); cross-node registry traffic was not measured`,
    );
  }
  notes.push(
    `network: ${(p.perNode.networkBitsPerSecond / 1e9).toFixed(3)} Gbit/s per node of MCP traffic; the NIC and the path between nodes were not measured here (loopback only)`,
  );
  return notes;
}
