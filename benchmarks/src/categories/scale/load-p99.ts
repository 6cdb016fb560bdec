/**
 * p99_at_load: tools/call p99 over Streamable HTTP at 80% of the server's saturation rate
 * (its closed-loop throughput with 64 sessions each one request in flight), open loop so a
 * slow answer cannot slow the arrivals. The steps of the capacity sweep give the highest
 * rate whose p99 stayed under 10 ms.
 */
import { measureCapacity, rateStep } from '../../load/capacity';
import { HttpPools, HttpSession } from '../../load/http-session';
import { startServerUnderTest } from '../../load/server/spawn';
import { Tally } from '../../load/tally';
import { openUsers } from '../../load/users';
import type { Measurement } from '../../harness/types';

export const LOAD_FRACTION = 0.8;
const SESSIONS = 64;

/** `size`: milliseconds each rate step lasts (the 80% run lasts twice that). */
export async function p99AtLoad(size: number): Promise<Measurement> {
  const server = await startServerUnderTest({});
  const pools = new HttpPools(server.addresses.sseUrl, SESSIONS);
  try {
    const tally = new Tally();
    const users = await openUsers(SESSIONS, (vu) => new HttpSession(vu, pools), tally);
    if (users.failed > 0) throw new Error(`sessions failed to open: ${tally.samples[0]}`);
    const capacity = await measureCapacity(users.sessions, ['call'], size, (step) =>
      process.stderr.write(
        `[scale p99_at_load] ${step.rate}/s: ${step.achieved.toFixed(0)}/s, p99 ${(step.p99Us / 1000).toFixed(2)} ms${step.failed > 0 ? `, ${step.failed} failed` : ''}\n`,
      ),
    );
    const rate = Math.max(1, Math.round(capacity.saturation * LOAD_FRACTION));
    const atLoad = await rateStep(users.sessions, ['call'], rate, size * 2);
    // Requests not sent (more than the generator keeps in flight) or failed at this rate are
    // kept in the row's detail: its p99 is of the answered ones, and the note says how many were not.
    if (atLoad.failed > 0)
      process.stderr.write(`[scale p99_at_load] ${atLoad.failed} requests failed or not sent at ${rate}/s\n`);
    const summary = atLoad.tally.latency.summary();
    const detail: Record<string, number> = {
      saturationRate: capacity.saturation,
      rateAtLoad: rate,
      achievedAtLoad: atLoad.achieved,
      maxRateP99Under10ms: capacity.maxRateUnderBound,
      failedAtLoad: atLoad.failed,
      sentAtLoad: atLoad.tally.counts.sent + atLoad.tally.counts.dropped,
    };
    for (const step of capacity.steps) detail[`p99Us_at_${step.rate}`] = step.p99Us;
    return {
      value: summary.p99Us / 1000,
      p50Us: summary.p50Us,
      p99Us: summary.p99Us,
      percentilesUs: {
        '50': summary.p50Us,
        '95': summary.p95Us,
        '99': summary.p99Us,
        '99.9': summary.p999Us,
        max: summary.maxUs,
      },
      detail,
    };
  } finally {
    await pools.close();
    await server.stop();
  }
}
