/**
 * concurrent_sessions: one server node (one scheduler, its own process) holding `size`
 * initialized Streamable HTTP sessions and then `size / 2` WebSocket connections, each its own
 * session, all at once; at the end every one of them answers a tools/call, checked. The
 * WebSocket connections come from several loopback source addresses (127.0.0.1, .2, ...):
 * one address has ~28K ephemeral ports. Both processes get their open-file limit raised.
 */
import { LatencyHistogram } from '../../load/histogram';
import { HttpPools, HttpSession } from '../../load/http-session';
import { operationRequest } from '../../load/protocol';
import { raiseFileLimit, startServerUnderTest } from '../../load/server/spawn';
import { sourceAddress, type VuSession } from '../../load/session';
import { Tally } from '../../load/tally';
import { openUsers, PER_SOURCE_ADDRESS } from '../../load/users';
import { WsSession } from '../../load/ws-session';
import type { Measurement } from '../../harness/types';

const CONCURRENCY = 256;
/** Descriptors kept for everything but the WebSocket connections (HTTP pools, files, the IPC channel). */
const RESERVED_FILES = 1_024;

/** One tools/call on every session, CONCURRENCY at a time; how many answered right. */
async function callEach(sessions: readonly VuSession[], tally: Tally): Promise<number> {
  const before = tally.counts.ok;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, sessions.length) }, async () => {
      while (next < sessions.length) {
        const session = sessions[next++]!;
        const request = operationRequest('call', 1, session.vu);
        tally.counts.sent += 1;
        const t0 = performance.now();
        try {
          const wrong = request.check(await session.send(request));
          if (wrong === undefined) tally.ok('call', (performance.now() - t0) * 1000);
          else tally.fail('mismatch', wrong);
        } catch (error) {
          tally.fail('transport', (error as Error).message);
        }
      }
    }),
  );
  return tally.counts.ok - before;
}

const log = (text: string): void => void process.stderr.write(`[scale concurrent_sessions] ${text}\n`);

export async function concurrentSessions(size: number): Promise<Measurement> {
  const wsWanted = Math.floor(size / 2);
  const fileLimit = wsWanted + RESERVED_FILES;
  const ownLimit = raiseFileLimit(process.pid, fileLimit);
  const server = await startServerUnderTest({ maxSessions: size + wsWanted + 1_000 }, fileLimit);
  // Where the limit cannot be raised (no CAP_SYS_RESOURCE: a container's root may lack it),
  // as many connections as both processes' limits allow, and the row says so.
  const wsCount = Math.max(0, Math.min(wsWanted, ownLimit - RESERVED_FILES, server.fileLimit - RESERVED_FILES));
  if (wsCount < wsWanted)
    log(
      `open-file limits (generator ${ownLimit}, server ${server.fileLimit}) allow ${wsCount} of ${wsWanted} WebSocket connections`,
    );
  const tally = new Tally();
  const pools = new HttpPools(server.addresses.sseUrl, 64);
  const ws: VuSession[] = [];
  try {
    const rssEmpty = (await server.stats(true)).rss;
    log(`opening ${size} Streamable HTTP sessions`);
    const http = await openUsers(size, (vu) => new HttpSession(vu, pools), tally, {
      concurrency: CONCURRENCY,
      onOpened: (n) => n % 20_000 === 0 && log(`${n} open`),
    });
    const afterHttp = await server.stats(true);
    const addresses = Math.max(1, Math.ceil(wsCount / PER_SOURCE_ADDRESS));
    log(`opening ${wsCount} WebSocket sessions from ${addresses} source address(es)`);
    const opened = await openUsers(
      wsCount,
      (vu) => new WsSession(vu, server.addresses.wsUrl, (a) => tally.stray(a), sourceAddress(vu, addresses)),
      tally,
      { first: size, concurrency: CONCURRENCY, onOpened: (n) => n % 10_000 === 0 && log(`${n} open`) },
    );
    ws.push(...opened.sessions);
    const afterWs = await server.stats(true);
    log(`server holds ${afterWs.sessions} sessions; every one answers a tools/call`);
    const httpCall = new LatencyHistogram();
    const t0 = performance.now();
    const httpAnswered = await callEach(http.sessions, tally);
    const httpCallSeconds = (performance.now() - t0) / 1000;
    httpCall.add(tally.latency);
    const wsAnswered = await callEach(ws, tally);
    const failedOpen = http.failed + opened.failed;
    if (failedOpen > 0 || tally.failedTotal > 0)
      log(
        `${failedOpen} sessions failed to open, ${tally.failedTotal} failures in all: ${tally.samples.slice(0, 3).join('; ')}`,
      );
    return {
      value: httpAnswered,
      detail: {
        httpSessions: http.sessions.length,
        httpAnswered,
        httpOpenPerSecond: http.sessions.length / (http.elapsedMs / 1000),
        httpRssPerSession: (afterHttp.rss - rssEmpty) / Math.max(1, http.sessions.length),
        httpCallP99Us: httpCall.percentile(99),
        httpCallsPerSecond: httpAnswered / httpCallSeconds,
        wsConnections: ws.length,
        wsWanted,
        fileLimit: Math.min(ownLimit, server.fileLimit),
        wsAnswered,
        wsOpenPerSecond: ws.length / (opened.elapsedMs / 1000),
        wsRssPerConnection: (afterWs.rss - afterHttp.rss) / Math.max(1, ws.length),
        serverSessions: afterWs.sessions,
        serverRssBytes: afterWs.rss,
        sourceAddresses: addresses,
        failed: failedOpen + tally.failedTotal,
      },
    };
  } finally {
    await Promise.all(ws.map((s) => s.close()));
    await pools.close();
    await server.stop();
  }
}
