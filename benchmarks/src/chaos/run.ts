import os from 'node:os';
import v8 from 'node:v8';
import { Agent } from 'undici';
import { ChaosClient, type Outcome } from './client';
import { type FaultKind, inject, restored } from './faults';
import { startChaosServer } from './tree';

export interface ChaosConfig {
  /** Virtual users, each with its own session; a quarter of them (at least one) are controls. */
  vus: number;
  /** Shard workers; the first `controlShards` serve the control users and are never faulted. */
  shards: number;
  controlShards: number;
  /** Load alone before the faults (ms): the memory baseline is taken at its end. */
  warmupMs: number;
  /** Faults under load (ms), one every `faultEveryMs`. */
  faultMs: number;
  faultEveryMs: number;
  /** Load alone after the faults (ms), then the load stops and memory is measured again. */
  calmMs: number;
  /**
   * Fault periods, each followed by its calm (default 1). With 2, the heap after the second
   * calm against the first tells growth that repeats (retained state) from a one-time cost
   * (code compiled for the fault paths when they first run).
   */
  rounds?: number;
  /** The faults to draw from. 'scheduler' needs `remoteShards` (a node with two schedulers). */
  faults: FaultKind[];
  remoteShards: boolean;
  /** While faults run, the share of requests whose stream the client cuts after its first event. */
  dropRate: number;
  /** The tool's work per call (ms): long enough for a stream to be cut mid-way. */
  workMs: number;
  /** A request not ended after this long is lost. */
  deadlineMs: number;
  handlerTimeoutMs: number;
}

export interface Tally {
  sent: number;
  answered: number;
  /** Answered after its stream was resumed with Last-Event-ID. */
  resumed: number;
  /** Answered after a POST sent again (refused or reset before any event). */
  retried: number;
  failed: Record<string, number>;
  mismatched: number;
  lost: number;
}

export interface ChaosReport {
  config: ChaosConfig;
  /** Every request, and the control users' alone (their sessions and shards never faulted). */
  all: Tally;
  control: Tally;
  faults: Record<string, number>;
  drops: number;
  /** After the calm: every shard worker and the listener answered, sessions back to one per user. */
  restoredShards: number;
  listenerRestored: boolean;
  sessionsAtEnd: number;
  /** Heap after a full GC (bytes) at the end of the warm-up and after the calm; RSS the same. */
  memory: {
    heapBefore: number;
    heapAfter: number;
    rssBefore: number;
    rssAfter: number;
    gc: boolean;
    /** Bytes in use per V8 heap space after the GC (old_space, code_space, ...): which one grew. */
    spacesBefore: Record<string, number>;
    spacesAfter: Record<string, number>;
    /** Heap in use after each round's calm (after a full GC, users still running). */
    heapAfterRounds: number[];
    spacesAfterRounds: Record<string, number>[];
  };
  durationMs: number;
  mismatches: string[];
  /** What the first lost requests were doing when their deadline passed. */
  lostDetails: string[];
}

const tally = (): Tally => ({ sent: 0, answered: 0, resumed: 0, retried: 0, failed: {}, mismatched: 0, lost: 0 });

function record(t: Tally, outcome: Outcome): void {
  t.sent++;
  switch (outcome.kind) {
    case 'answered':
      t.answered++;
      if (outcome.resumed) t.resumed++;
      if (outcome.retried) t.retried++;
      return;
    case 'failed':
      t.failed[outcome.cause] = (t.failed[outcome.cause] ?? 0) + 1;
      return;
    case 'mismatched':
      t.mismatched++;
      return;
    case 'lost':
      t.lost++;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function memoryNow(): { heap: number; rss: number; gc: boolean; spaces: Record<string, number> } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const space of v8.getHeapSpaceStatistics()) spaces[space.space_name] = space.space_used_size;
  return { heap: usage.heapUsed, rss: usage.rss, gc: gc !== undefined, spaces };
}

/**
 * Runs the chaos scenario on the running node: the chaos server's tree, `vus` users calling
 * its `work` tool in closed loops, and faults injected while they run. Every request is
 * followed to its end (answer, JSON-RPC error, or lost at its deadline) before this resolves.
 */
export async function runChaos(config: ChaosConfig): Promise<ChaosReport> {
  const started = performance.now();
  const server = await startChaosServer({
    shards: config.shards,
    controlShards: config.controlShards,
    remoteShards: config.remoteShards,
    handlerTimeoutMs: config.handlerTimeoutMs,
    maxInFlightRequests: 16,
  });
  const agent = new Agent({ connections: Math.max(8, config.vus), keepAliveTimeout: 10_000 });
  const controls = Math.max(1, Math.floor(config.vus / 4));
  const faultedShards = Array.from(
    { length: config.shards - config.controlShards },
    (_, i) => config.controlShards + i,
  );
  const clients = Array.from({ length: config.vus }, () => new ChaosClient(server.url, agent));
  const all = tally();
  const control = tally();
  const mismatches: string[] = [];
  const lostDetails: string[] = [];
  const faults: Record<string, number> = {};
  let drops = 0;
  let faulting = false;
  let running = true;

  const user = async (index: number): Promise<void> => {
    const client = clients[index]!;
    const isControl = index < controls;
    const shard = isControl ? index % config.controlShards : faultedShards[index % faultedShards.length]!;
    let n = 0;
    while (running) {
      const deadline = performance.now() + config.deadlineMs;
      let outcome: Outcome;
      try {
        if (client.sessionId === undefined) outcome = await client.initialize(deadline);
        else {
          const drop = faulting && Math.random() < config.dropRate;
          if (drop) drops++;
          outcome = await client.callWork(shard, `u${index}.${n++}`, config.workMs, { drop, deadline });
        }
      } catch (error) {
        // The client's own failure: counted by its name, so that nothing goes unaccounted.
        outcome = { kind: 'failed', cause: `client_${(error as Error).name}` };
      }
      record(all, outcome);
      if (isControl) record(control, outcome);
      if (outcome.kind === 'mismatched' && mismatches.length < 10) mismatches.push(`user ${index}: ${outcome.detail}`);
      if (outcome.kind === 'lost' && lostDetails.length < 10) lostDetails.push(`user ${index}: ${outcome.detail}`);
      if (outcome.kind === 'failed' && outcome.cause === 'session_gone') client.sessionId = undefined;
      if (outcome.kind !== 'answered') await sleep(10);
    }
  };

  const users = clients.map((_, i) => user(i));
  let memory: ChaosReport['memory'];
  try {
    await sleep(config.warmupMs);
    const before = memoryNow();
    const targets = {
      host: server.host,
      stalled: server.stalled,
      faultedShards,
      exposedSessions: () => clients.slice(controls).flatMap((c) => (c.sessionId === undefined ? [] : [c.sessionId])),
      stallMs: config.handlerTimeoutMs * 1.5,
    };
    const rounds: ReturnType<typeof memoryNow>[] = [];
    let turn = 0;
    for (let round = 0; round < (config.rounds ?? 1); round++) {
      faulting = true;
      const faultsEnd = performance.now() + config.faultMs;
      while (performance.now() < faultsEnd) {
        // Round robin over the kinds, so a short run still injects each one.
        const kind = config.faults[turn++ % config.faults.length]!;
        if ((await inject(kind, targets)) !== undefined) faults[kind] = (faults[kind] ?? 0) + 1;
        await sleep(config.faultEveryMs);
      }
      faulting = false;
      await sleep(config.calmMs);
      rounds.push(memoryNow());
    }
    running = false;
    await Promise.all(users);
    const back = await restored(config.shards, 15_000);
    const sessionsAtEnd = server.host.sessionCount;
    // The users' sessions end with the agent's sockets closed; memory is measured with them still held.
    await sleep(Math.min(1000, config.calmMs));
    const after = memoryNow();
    memory = {
      heapBefore: before.heap,
      heapAfter: after.heap,
      rssBefore: before.rss,
      rssAfter: after.rss,
      gc: after.gc,
      spacesBefore: before.spaces,
      spacesAfter: after.spaces,
      heapAfterRounds: rounds.map((r) => r.heap),
      spacesAfterRounds: rounds.map((r) => r.spaces),
    };
    return {
      config,
      all,
      control,
      faults,
      drops,
      restoredShards: back.shards,
      listenerRestored: back.listener,
      sessionsAtEnd,
      memory,
      durationMs: performance.now() - started,
      mismatches,
      lostDetails,
    };
  } finally {
    running = false;
    faulting = false;
    await Promise.allSettled(users);
    await agent.close().catch(() => undefined);
    await server.stop();
  }
}

/** The machine's load when a figure was taken: the machine is shared. */
export function machineLoad(): { loadavg: number[]; cpus: number } {
  return { loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100), cpus: os.cpus().length };
}
