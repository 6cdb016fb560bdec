import type { ProjectionRun } from './cli';
import type { Measured } from './projection';

function si(value: number, unit: string): string {
  const abs = Math.abs(value);
  const [div, prefix] = abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'K'] : [1, ''];
  return `${(value / div).toFixed(value / div >= 100 ? 0 : 2)} ${prefix}${unit}`;
}

function bytes(value: number): string {
  const abs = Math.abs(value);
  const [div, unit] =
    abs >= 2 ** 40
      ? [2 ** 40, 'TiB']
      : abs >= 2 ** 30
        ? [2 ** 30, 'GiB']
        : abs >= 2 ** 20
          ? [2 ** 20, 'MiB']
          : abs >= 2 ** 10
            ? [2 ** 10, 'KiB']
            : [1, 'B'];
  return `${(value / div).toFixed(2)} ${unit}`;
}

const input = (label: string, m: Measured, shown: string): string =>
  `  ${label.padEnd(30)} ${shown.padEnd(18)} ${m.source}, measured ${m.measuredOn.slice(0, 10)}`;

/** The projection as a person reads it: inputs with their dates, the formula, the result, its limits. */
export function formatProjection({ inputs, projection: p, nodeSources, rateSource }: ProjectionRun): string {
  const n = p.node;
  return [
    `Scaling projection for ${p.workload.connections.toLocaleString('en-US')} connections`,
    '',
    'Measured inputs (from the benchmark results):',
    input('memory per session', inputs.memoryPerSession, `${Math.round(inputs.memoryPerSession.value)} B`) +
      ` (up to ${inputs.sessionsMeasured} sessions)`,
    input('requests/s per core, p99<10ms', inputs.requestsPerCore, si(inputs.requestsPerCore.value, 'req/s')) +
      ` (1..${inputs.connectionsMeasured} connections)`,
    input('bytes per request (in + out)', inputs.bytesPerRequest, `${Math.round(inputs.bytesPerRequest.value)} B`),
    input('multi-core efficiency', inputs.coreEfficiency, inputs.coreEfficiency.value.toFixed(2)) +
      ` (${inputs.coresMeasured} cores; counted as at most 1)`,
    '',
    'Node and workload:',
    `  cores                          ${n.cores} (${nodeSources.cores})`,
    `  memory                         ${bytes(n.memoryBytes)} (${nodeSources.memoryBytes})`,
    `  memory headroom                ${(n.memoryHeadroom * 100).toFixed(0)}% (${nodeSources.memoryHeadroom})`,
    `  open files per process         ${n.fileDescriptors} (${nodeSources.fileDescriptors})`,
    `  V8 heap limit per process      ${bytes(n.heapLimitBytes)} (${nodeSources.heapLimitBytes})`,
    `  rate per connection            ${p.workload.ratePerConnection} req/s (${rateSource})`,
    '',
    'Formula:',
    `  required rps   = connections × rate                         = ${si(p.requiredRequestsPerSecond, 'req/s')}`,
    `  sessions/node  = ⌊memory × headroom / memory per session⌋   = ${p.capacity.sessionsPerNode.toLocaleString('en-US')}`,
    `  rps/node       = rps per core × cores × efficiency          = ${si(p.capacity.requestsPerSecondPerNode, 'req/s')}`,
    `  conns/node     = open files per process × cores             = ${p.capacity.connectionsPerNodeByFiles.toLocaleString('en-US')}`,
    `  nodes          = max(⌈connections / sessions per node⌉, ⌈required rps / rps per node⌉, ⌈connections / conns per node⌉)`,
    `                 = ${p.nodes} (bound by ${p.boundBy})`,
    '',
    'Projection:',
    `  nodes                          ${p.nodes}`,
    `  per node                       ${Math.round(p.perNode.connections).toLocaleString('en-US')} connections, ${bytes(p.perNode.memoryBytes)} of sessions, ${si(p.perNode.requestsPerSecond, 'req/s')}, ${si(p.perNode.networkBitsPerSecond, 'bit/s')}`,
    `  total                          ${bytes(p.total.memoryBytes)} of sessions, capacity ${si(p.total.requestsPerSecondCapacity, 'req/s')}, ${si(p.total.networkBitsPerSecond, 'bit/s')}`,
    '',
    'Where it stops being valid:',
    ...p.validity.map((v) => `  - ${v}`),
  ].join('\n');
}
