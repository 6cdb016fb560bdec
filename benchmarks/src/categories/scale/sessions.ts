/**
 * concurrent_sessions: one server node (one scheduler, its own process) holding `size`
 * initialized Streamable HTTP sessions at once, each answering a tools/call at the end; then
 * `size / 2` WebSocket connections, each its own session, held by one node that is a front
 * door with several worker processes (ws-front-door.ts says why), each answering a tools/call.
 */
import { callEach } from '../../load/call-each';
import { LatencyHistogram } from '../../load/histogram';
import { HttpPools, HttpSession } from '../../load/http-session';
import { startServerUnderTest } from '../../load/server/spawn';
import { Tally } from '../../load/tally';
import { openUsers } from '../../load/users';
import type { Measurement } from '../../harness/types';
import { wsThroughFrontDoor } from './ws-front-door';

const CONCURRENCY = 256;

const log = (text: string): void => void process.stderr.write(`[scale concurrent_sessions] ${text}\n`);

async function httpSessions(size: number): Promise<Record<string, number>> {
  const server = await startServerUnderTest({ maxSessions: size + 1_000 });
  const tally = new Tally();
  const pools = new HttpPools(server.addresses.sseUrl, 64);
  try {
    const rssEmpty = (await server.stats(true)).rss;
    log(`opening ${size} Streamable HTTP sessions`);
    const http = await openUsers(size, (vu) => new HttpSession(vu, pools), tally, {
      concurrency: CONCURRENCY,
      onOpened: (n) => n % 20_000 === 0 && log(`${n} open`),
    });
    const afterHttp = await server.stats(true);
    log(`server holds ${afterHttp.sessions} sessions; every one answers a tools/call`);
    const httpCall = new LatencyHistogram();
    const t0 = performance.now();
    const httpAnswered = await callEach(http.sessions, tally, CONCURRENCY);
    const httpCallSeconds = (performance.now() - t0) / 1000;
    httpCall.add(tally.latency);
    if (http.failed > 0 || tally.failedTotal > 0)
      log(
        `${http.failed} sessions failed to open, ${tally.failedTotal} failures in all: ${tally.samples.slice(0, 3).join('; ')}`,
      );
    return {
      httpSessions: http.sessions.length,
      httpAnswered,
      httpOpenPerSecond: http.sessions.length / (http.elapsedMs / 1000),
      httpRssPerSession: (afterHttp.rss - rssEmpty) / Math.max(1, http.sessions.length),
      httpCallP99Us: httpCall.percentile(99),
      httpCallsPerSecond: httpAnswered / httpCallSeconds,
      serverSessions: afterHttp.sessions,
      serverRssBytes: afterHttp.rss,
      httpFailed: http.failed + tally.failedTotal,
    };
  } finally {
    await pools.close();
    await server.stop();
  }
}

export async function concurrentSessions(size: number): Promise<Measurement> {
  const http = await httpSessions(size);
  const ws = await wsThroughFrontDoor(Math.floor(size / 2), size, log);
  return {
    value: http.httpAnswered!,
    detail: { ...http, ...ws, failed: http.httpFailed! + ws.wsFailed },
  };
}
