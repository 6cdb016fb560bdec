/**
 * npm run bench -- project --connections N [--rate R] [--cores C] [--memory-gib G]
 *                  [--fd-limit F] [--headroom H] [--results <dir|file>] [--json]
 *                  [--efficiency-from schedulers/parallel_work | scale/scaling]
 *
 * N accepts 50K, 500K, 5M. The node defaults to the machine the inputs were measured on
 * (its cores, this machine's memory, this process's open-file limit); the rate per
 * connection is the workload's, given or 1 request/s, and printed as an assumption.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { openFileLimit } from '../harness/limits';
import { resultsDir } from '../harness/report';
import { loadReports } from '../harness/results';
import { formatProjection } from './format';
import { coresOf, efficiencySource, projectionInputs, SOURCES } from './inputs';
import { project, ProjectionError, type NodeShape, type Projection, type ProjectionInputs } from './projection';

export { ProjectionError };

const FLAGS = new Set([
  '--connections',
  '--rate',
  '--cores',
  '--memory-gib',
  '--fd-limit',
  '--headroom',
  '--results',
  '--efficiency-from',
]);

/** 50K, 500k, 5M, 5000000. */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new ProjectionError(`not a count: ${text}`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6);
  if (!Number.isInteger(n) || n < 1) throw new ProjectionError(`not a whole positive count: ${text}`);
  return n;
}

function parseArgs(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') flags.set(arg, 'true');
    else if (FLAGS.has(arg) && args[i + 1] !== undefined) flags.set(arg, args[++i]!);
    else throw new ProjectionError(`project: unknown or incomplete argument ${arg}`);
  }
  return flags;
}

function number(flags: Map<string, string>, flag: string): number | undefined {
  const text = flags.get(flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ProjectionError(`${flag}: not a positive number: ${text}`);
  return n;
}

export interface ProjectionRun {
  inputs: ProjectionInputs;
  projection: Projection;
  /** Where each node figure came from. */
  nodeSources: Record<keyof NodeShape, string>;
  rateSource: string;
}

export function runProjection(args: string[]): ProjectionRun {
  const flags = parseArgs(args);
  const connectionsText = flags.get('--connections');
  if (connectionsText === undefined) throw new ProjectionError('project: --connections N is required (50K, 500K, 5M)');
  const reports = loadReports(flags.get('--results') ?? resultsDir);
  const efficiencyFrom = flags.has('--efficiency-from')
    ? efficiencySource(flags.get('--efficiency-from')!)
    : SOURCES.coreEfficiency;
  const inputs = projectionInputs(reports, efficiencyFrom);
  const fdLimit = number(flags, '--fd-limit') ?? openFileLimit();
  if (fdLimit === undefined)
    throw new ProjectionError('project: cannot read the open-file limit here; give --fd-limit');
  const memoryGib = number(flags, '--memory-gib');
  const cores = number(flags, '--cores');
  const measuredOn = reports.find((r) => r.category === efficiencyFrom[0])!;
  const node: NodeShape = {
    cores: cores ?? coresOf(measuredOn),
    memoryBytes: memoryGib === undefined ? os.totalmem() : memoryGib * 2 ** 30,
    fileDescriptors: fdLimit,
    memoryHeadroom: number(flags, '--headroom') ?? 0.85,
    heapLimitBytes: v8.getHeapStatistics().heap_size_limit,
  };
  const nodeSources: Record<keyof NodeShape, string> = {
    cores: cores === undefined ? `the measuring machine (${measuredOn.cpu})` : '--cores',
    memoryBytes: memoryGib === undefined ? 'this machine (os.totalmem())' : '--memory-gib',
    fileDescriptors: flags.has('--fd-limit') ? '--fd-limit' : 'this process (/proc/self/limits, soft)',
    memoryHeadroom: flags.has('--headroom') ? '--headroom' : 'the memory alert threshold (85%)',
    heapLimitBytes: `V8's heap_size_limit in this process (Node ${process.version}, default flags)`,
  };
  const rate = number(flags, '--rate');
  const projection = project(inputs, node, { connections: parseCount(connectionsText), ratePerConnection: rate ?? 1 });
  return {
    inputs,
    projection,
    nodeSources,
    rateSource: rate === undefined ? 'assumed: 1 request/s per connection (set it with --rate)' : '--rate',
  };
}

export async function projectCommand(args: string[]): Promise<number> {
  const run = runProjection(args);
  console.log(args.includes('--json') ? JSON.stringify(run, null, 2) : formatProjection(run));
  return 0;
}
