import { currentNode } from './current';
import { call } from './gen-server';
import type { ServerName } from './names';
import { Pid } from './pid';
import { BUSY_TAG_SHIFT, Flag, type Process } from './process';
import type { ChildInfo } from './supervisor';
import { schedulerOf } from './cluster/remote';
import type { ProcessInfo, ProcessStatus, SchedulerStats, WireProcessInfo } from './process-info';
import { processMemory } from './process-memory';

export type { ProcessInfo, ProcessStatus } from './process-info';

const CALLBACKS = ['handleInfo', 'handleCast', 'handleCall', 'system'] as const;

function currentCallbackOf(process: Process): string | null {
  if (process.behaviour === null) return process.waiter === null && process.alive ? 'body' : null;
  if ((process.flags & Flag.Busy) === 0) return null;
  return CALLBACKS[(process.flags & Flag.BusyTag) >> BUSY_TAG_SHIFT]!;
}

function statusOf(process: Process): ProcessStatus {
  if ((process.flags & Flag.Busy) !== 0) return 'running';
  if ((process.flags & Flag.InRunQueue) !== 0) return 'runnable';
  if (process.behaviour === null && process.waiter === null) return 'running';
  return 'waiting';
}

/** A process's info; `withMemory` walks its state and mailbox for `memory` (else null). */
export function infoOf(process: Process, withMemory = false): ProcessInfo {
  const monitoredBy: Pid[] = [];
  for (const watcher of process.monitoredBy?.values() ?? [])
    if (typeof watcher !== 'function') monitoredBy.push(watcher.self);
  return {
    pid: process.self,
    name: process.name,
    behaviour: process.behaviour?.kind ?? 'process',
    status: statusOf(process),
    messageQueueLen: process.mailbox?.length ?? 0,
    messagesHandled: process.handled,
    links: [...(process.links ?? [])].map((p) => p.self),
    monitors: [...(process.monitoring?.values() ?? [])].map((p) => p.self),
    monitoredBy,
    trapExit: process.trapsExits,
    scheduler: process.node.schedulerId,
    currentCallback: currentCallbackOf(process),
    memory: withMemory ? processMemory(process).bytes : null,
  };
}

/**
 * The scheduler a pid's process runs on (or ran on), from the pid alone: a
 * package that keeps per-scheduler state (a process per scheduler that
 * watches local holders) routes to it without a message.
 */
export function schedulerOfPid(pid: Pid): number {
  return schedulerOf(pid.id);
}

/**
 * erlang:is_process_alive/1, without a message: true or false for a process
 * of this scheduler (or of no scheduler of this node); undefined for one on
 * another scheduler, which only it can answer for (ask processInfoAsync).
 */
export function isProcessAlive(pid: Pid): boolean | undefined {
  const routed = currentNode().route(pid);
  if (routed instanceof Pid) return undefined;
  return routed !== undefined && routed.alive;
}

/** Information on a live process, or undefined if it is not alive. */
export function processInfo(target: Pid | ServerName): ProcessInfo | undefined {
  const process = currentNode().resolve(target);
  return process === undefined ? undefined : infoOf(process, true);
}

/** erlang:processes/0 */
export function processes(): Pid[] {
  return currentNode()
    .processes()
    .map((p) => p.self);
}

function fromWire(node: { pidOf(id: number): Pid }, info: WireProcessInfo): ProcessInfo {
  return {
    ...info,
    pid: node.pidOf(info.pid),
    links: info.links.map((id) => node.pidOf(id)),
    monitors: info.monitors.map((id) => node.pidOf(id)),
    monitoredBy: info.monitoredBy.map((id) => node.pidOf(id)),
  };
}

/**
 * processInfo for a process on any scheduler (asks the one it runs on).
 * Links and monitors list only those on the process's own scheduler, plus its remote ones by pid.
 */
export async function processInfoAsync(target: Pid | ServerName): Promise<ProcessInfo | undefined> {
  const node = currentNode();
  const routed = node.route(target);
  if (routed === undefined) return undefined;
  if (!(routed instanceof Pid)) return infoOf(routed, true);
  if (routed.node !== node.id) return undefined; // another node's process: only that node can describe it
  const info = (await node.remote().remoteInfo(schedulerOf(routed.id), routed.id)) as WireProcessInfo | null;
  return info === null ? undefined : fromWire(node, info);
}

/** Every process on every scheduler of the node, with the scheduler each runs on. */
export async function allProcesses(): Promise<ProcessInfo[]> {
  const node = currentNode();
  const local = node.processes().map((p) => infoOf(p));
  const peer = node.peer;
  if (peer === null) return local;
  const others = await Promise.all(
    Array.from({ length: peer.schedulers }, (_, k) => k)
      .filter((k) => k !== node.schedulerId && peer.isAlive(k))
      .map(async (k) => ((await peer.remoteInfo(k, -1)) as WireProcessInfo[]).map((info) => fromWire(node, info))),
  );
  return [...local, ...others.flat()].sort((a, b) => a.pid.id - b.pid.id);
}

/** Each scheduler's run-queue length, process count and utilisation (from shared memory; any thread). */
export function schedulers(): SchedulerStats[] {
  return currentNode().stats();
}

/** A supervision tree as data, for observers and tests. */
export interface TreeNode {
  pid: Pid;
  /** The child id under its supervisor (undefined for the root and dynamic children). */
  id?: string;
  name: string | null;
  kind: 'supervisor' | 'worker';
  behaviour: string;
  children: TreeNode[];
}

function isSupervisor(behaviour: string): boolean {
  return behaviour === 'gen_server:supervisor' || behaviour === 'gen_server:dynamic_supervisor';
}

/** Walks a supervision tree from `root` by asking each supervisor for its children. */
export async function supervisionTree(root: Pid | ServerName, id?: string): Promise<TreeNode | undefined> {
  const info = await processInfoAsync(root);
  if (info === undefined) return undefined;
  const node: TreeNode = {
    pid: info.pid,
    id,
    name: info.name,
    kind: isSupervisor(info.behaviour) ? 'supervisor' : 'worker',
    behaviour: info.behaviour,
    children: [],
  };
  if (node.kind === 'worker') return node;
  let children: ChildInfo[];
  try {
    const outcome = (await call(info.pid, { op: 'which_children' }, 5000)) as { ok: ChildInfo[] };
    children = outcome.ok;
  } catch {
    return node; // it exited while we were walking
  }
  for (const child of children) {
    if (!(child.pid instanceof Pid)) continue;
    const sub = await supervisionTree(child.pid, child.id === 'undefined' ? undefined : child.id);
    if (sub !== undefined) node.children.push(sub);
  }
  return node;
}
