/**
 * npm run bench -- chaos [--smoke]: the chaos run (faults under load on a supervised MCP
 * server). Writes benchmarks/results/chaos.json (smoke: results/smoke/chaos.json) and exits 1
 * when a request was lost or mismatched, a control user saw an error, or the tree did not
 * come back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Node } from '@erlmcp/otp';
import { environment } from '../harness/environment';
import { resultsDir } from '../harness/report';
import { type ChaosConfig, type ChaosReport, machineLoad, runChaos } from './run';

const FULL: ChaosConfig = {
  vus: 64,
  shards: 8,
  controlShards: 2,
  warmupMs: 5_000,
  faultMs: 60_000,
  faultEveryMs: 250,
  calmMs: 20_000,
  rounds: 2,
  faults: ['session', 'worker', 'listener', 'stall', 'scheduler', 'worker', 'session', 'stall'],
  remoteShards: true,
  dropRate: 0.1,
  workMs: 2,
  deadlineMs: 30_000,
  handlerTimeoutMs: 5_000,
};

const SMOKE: ChaosConfig = {
  ...FULL,
  vus: 8,
  warmupMs: 500,
  faultMs: 3_000,
  faultEveryMs: 150,
  calmMs: 1_500,
  rounds: 1,
  handlerTimeoutMs: 2_000,
};

/** Each heap space's change in use, in KiB, largest first: where a heap that did not come back grew. */
function grown(before: Record<string, number>, after: Record<string, number>): string {
  return Object.keys(after)
    .map((name) => [name, ((after[name] ?? 0) - (before[name] ?? 0)) / 1024] as const)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([name, kib]) => `${name} ${kib >= 0 ? '+' : ''}${kib.toFixed(0)} KiB`)
    .join(', ');
}

/** The problems a report shows; empty when the run passed. */
export function verdict(report: ChaosReport): string[] {
  const problems: string[] = [];
  if (report.all.lost > 0) problems.push(`${report.all.lost} requests lost: ${report.lostDetails.join('; ')}`);
  if (report.all.mismatched > 0)
    problems.push(`${report.all.mismatched} answers mismatched: ${report.mismatches.join('; ')}`);
  const controlFailed = Object.values(report.control.failed).reduce((a, b) => a + b, 0);
  if (controlFailed > 0)
    problems.push(`control users saw ${controlFailed} errors: ${JSON.stringify(report.control.failed)}`);
  if (report.restoredShards !== report.config.shards)
    problems.push(`${report.config.shards - report.restoredShards} shard workers did not come back`);
  if (!report.listenerRestored) problems.push('the listener did not come back');
  return problems;
}

export async function chaosCommand(argv: string[]): Promise<number> {
  const smoke = argv.includes('--smoke');
  const config = smoke ? SMOKE : FULL;
  const loadBefore = machineLoad();
  const node = Node.start({ schedulers: config.remoteShards ? 2 : 1, logLevel: 'error' });
  let report: ChaosReport;
  try {
    report = await runChaos(config);
  } finally {
    await node.stop();
  }
  const problems = verdict(report);
  const file = path.join(smoke ? path.join(resultsDir, 'smoke') : resultsDir, 'chaos.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = {
    kind: 'erlmcp-chaos',
    ...environment(),
    smoke,
    loadBefore,
    loadAfter: machineLoad(),
    passed: problems.length === 0,
    problems,
    ...report,
  };
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  const { all, control } = report;
  console.log(
    `chaos${smoke ? ' (smoke)' : ''}: ${all.sent} requests: ${all.answered} answered (${all.resumed} resumed, ${all.retried} retried), ` +
      `failed ${JSON.stringify(all.failed)}, lost ${all.lost}, mismatched ${all.mismatched}; ` +
      `control users ${control.sent} sent, ${control.answered} answered; faults ${JSON.stringify(report.faults)}, ${report.drops} streams dropped; ` +
      `heap ${(report.memory.heapBefore / 2 ** 20).toFixed(1)} → ${(report.memory.heapAfter / 2 ** 20).toFixed(1)} MiB (${grown(report.memory.spacesBefore, report.memory.spacesAfter)}); after each round's calm ${report.memory.heapAfterRounds.map((h) => (h / 2 ** 20).toFixed(1)).join(', ')} MiB${report.memory.spacesAfterRounds.length > 1 ? ` (from the first to the last: ${grown(report.memory.spacesAfterRounds[0]!, report.memory.spacesAfterRounds.at(-1)!)})` : ''}; load ${loadBefore.loadavg.join(' ')}`,
  );
  console.log(`wrote ${file}`);
  for (const problem of problems) console.error(`chaos: ${problem}`);
  return problems.length === 0 ? 0 : 1;
}
