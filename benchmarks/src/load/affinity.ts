/**
 * CPU affinity for the load rows: the server under test on one CPU and the load generator on
 * another (taskset(1), util-linux), so neither takes the other's core and a latency figure is
 * the server's. Where taskset is missing or there are fewer than 2 CPUs, nothing is pinned and
 * the caller says so (the row's note): a fallback, never an error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export const TASKSET_PATHS = ['/usr/bin/taskset', '/bin/taskset'];

export type PinResult = { pinned: true } | { pinned: false; reason: string };

/** The first taskset among `paths` that exists, or null (none: nothing is pinned). */
export function findTaskset(paths: readonly string[] = TASKSET_PATHS): string | null {
  const found = paths.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ?? null;
}

/** The CPUs process `pid` may run on, as taskset lists them ("0,1", "0-1"), or undefined. */
export function affinityOf(pid: number, taskset: string | null = findTaskset()): string | undefined {
  if (taskset === null) return undefined;
  try {
    const out = execFileSync(taskset, ['-c', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /:\s*(\S+)\s*$/.exec(out.trim())?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Pins every thread of process `pid` to `cpus` (a taskset list: "1", "0-1"); threads it
 * starts later inherit it. Read back after: `taskset -a` exits 0 even for a process gone.
 */
export function pinProcess(pid: number, cpus: string, taskset: string | null = findTaskset()): PinResult {
  if (taskset === null) return { pinned: false, reason: 'taskset not found' };
  try {
    execFileSync(taskset, ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' });
  } catch (error) {
    return { pinned: false, reason: `taskset failed: ${(error as Error).message.split('\n')[0]}` };
  }
  const now = affinityOf(pid, taskset);
  if (now === undefined) return { pinned: false, reason: `process ${pid}: affinity unreadable (gone?)` };
  if (expandCpuList(now).join(',') !== expandCpuList(cpus).join(','))
    return { pinned: false, reason: `process ${pid} runs on ${now}, not ${cpus}` };
  return { pinned: true };
}

/** The server's CPU and the generator's: the first two this process may use, or a reason there are not two. */
export function pinningPlan(
  taskset: string | null = findTaskset(),
  cpus = os.availableParallelism(),
): { server: string; generator: string } | { reason: string } {
  if (taskset === null) return { reason: 'taskset not found' };
  if (cpus < 2) return { reason: `${cpus} CPU: nothing to separate` };
  const allowed = expandCpuList(affinityOf(process.pid, taskset) ?? '');
  if (allowed.length < 2) return { reason: `this process may run on ${allowed.length} CPU(s)` };
  return { server: String(allowed[0]), generator: String(allowed[1]) };
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function expandCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let c = from; c <= to; c++) out.push(c);
  }
  return out;
}
