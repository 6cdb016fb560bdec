/**
 * The WebSocket half of concurrent_sessions: `wanted` WebSocket connections, each its own MCP
 * session, held by one node that is one front door (`startFrontDoor`, node:cluster) with
 * several worker processes on one port. One process cannot hold them all here: each
 * connection is a descriptor in the process that holds it, on both sides, and the open-file
 * hard limit is 20,000 per process, which root without CAP_SYS_RESOURCE cannot raise. So the
 * server side is split over workers (a connection is a whole session: the worker that takes
 * the upgrade owns it) and the client side over holder processes, each binding its own
 * loopback source address so that no (source, destination) pair runs out of its ~28K
 * ephemeral ports. At the end every connection answers a tools/call, checked.
 */
import { startFrontDoorUnderTest } from '../../load/server/front-door-spawn';
import { raiseFileLimit } from '../../load/server/spawn';
import type { ServerStats } from '../../load/server/spawn';
import { openWsHolders } from '../../load/ws-holders';
import type { WsHolderOptions } from '../../load/ws-holder-child';

/** Descriptors a process keeps for everything but its WebSocket connections. */
const RESERVED_FILES = 1_024;
/** Connections per holder process: under its limit and one source address's ports. */
const PER_HOLDER = 12_500;

export interface WsFrontDoorResult extends Record<string, number> {
  wsConnections: number;
  wsWanted: number;
  wsAnswered: number;
  wsOpenPerSecond: number;
  /** RSS grown per connection, summed over the primary and every worker (after full GCs). */
  wsRssPerConnection: number;
  wsServerRssBytes: number;
  wsWorkers: number;
  /** Sessions held by the busiest and the least busy worker. */
  wsWorkerMaxSessions: number;
  wsWorkerMinSessions: number;
  wsHolders: number;
  sourceAddresses: number;
  fileLimit: number;
  /** The highest of the holders' tools/call p99s. */
  wsCallP99UsWorstHolder: number;
  wsFailed: number;
}

const sum = (stats: readonly ServerStats[]): number => stats.reduce((a, s) => a + s.rss, 0);

export async function wsThroughFrontDoor(
  wanted: number,
  first: number,
  log: (text: string) => void,
): Promise<WsFrontDoorResult> {
  const fileLimit = raiseFileLimit(process.pid, wanted + RESERVED_FILES);
  const budget = Math.max(1, fileLimit - RESERVED_FILES);
  // Round robin spreads connections about evenly; 60% of a worker's budget leaves room for unevenness.
  const workers = Math.max(wanted >= 10_000 ? 4 : 2, Math.ceil(wanted / (budget * 0.6)));
  const holders = Math.max(1, Math.ceil(wanted / Math.min(PER_HOLDER, budget)));
  log(`front door with ${workers} workers (open-file limit ${fileLimit} per process); ${holders} holder process(es)`);
  const door = await startFrontDoorUnderTest({ workers, maxSessions: wanted + 1_000 });
  let held: Awaited<ReturnType<typeof openWsHolders>> | undefined;
  try {
    const before = await door.stats(true);
    const plans: WsHolderOptions[] = Array.from({ length: holders }, (_, i) => {
      const start = Math.floor((wanted * i) / holders);
      const end = Math.floor((wanted * (i + 1)) / holders);
      return {
        url: door.wsUrl,
        first: first + start,
        count: end - start,
        ...(holders > 1 ? { localAddress: `127.0.0.${2 + i}` } : {}),
        concurrency: 64,
      };
    });
    let logged = 0;
    held = await openWsHolders(plans, (n) => {
      if (n >= logged + 10_000) log(`${(logged = n - (n % 10_000))} WebSocket sessions open`);
    });
    const opened = held.opened.reduce((a, o) => a + o.opened, 0);
    const openFailed = held.opened.reduce((a, o) => a + o.failed, 0);
    const openSeconds = Math.max(...held.opened.map((o) => o.elapsedMs)) / 1000;
    if (openFailed > 0) log(`${openFailed} failed to open: ${held.opened.flatMap((o) => o.samples).join('; ')}`);
    const after = await door.stats(true);
    const perWorker = after.slice(1).map((s) => s.sessions);
    log(`the front door holds ${perWorker.join(' + ')} sessions; every one answers a tools/call`);
    const called = await held.call();
    const answered = called.reduce((a, c) => a + c.answered, 0);
    const callFailed = called.reduce((a, c) => a + c.failed, 0);
    if (callFailed > 0) log(`${callFailed} calls failed: ${called.flatMap((c) => c.samples).join('; ')}`);
    return {
      wsConnections: opened,
      wsWanted: wanted,
      wsAnswered: answered,
      wsOpenPerSecond: opened / openSeconds,
      wsRssPerConnection: (sum(after) - sum(before)) / Math.max(1, opened),
      wsServerRssBytes: sum(after),
      wsWorkers: workers,
      wsWorkerMaxSessions: Math.max(...perWorker),
      wsWorkerMinSessions: Math.min(...perWorker),
      wsHolders: holders,
      sourceAddresses: holders,
      fileLimit,
      wsCallP99UsWorstHolder: Math.max(...called.map((c) => c.p99Us)),
      wsFailed: openFailed + callFailed,
    };
  } finally {
    await held?.close();
    await door.stop();
  }
}
