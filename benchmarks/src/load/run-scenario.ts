/**
 * One load run: start the server under test (or take --target), open a session per virtual
 * user, drive them for the duration with a progress line, close them, and gather the result.
 */
import os from 'node:os';
import type { LoadOptions } from './args';
import { runEngine } from './engine';
import { HttpPools, HttpSession } from './http-session';
import { ProgressLine } from './progress';
import { buildResult, type LoadResult } from './result';
import { raiseFileLimit, startServerUnderTest, type ServerUnderTest } from './server/spawn';
import { Tally } from './tally';
import { openUsers, PER_SOURCE_ADDRESS, transportOf, UserFactory } from './users';

export interface RunHooks {
  /** Resolves to stop the run early. */
  stop?: Promise<void>;
  progress?: ProgressLine;
}

export async function runScenario(options: LoadOptions, hooks: RunHooks = {}): Promise<LoadResult> {
  const loadStart = os.loadavg();
  const tally = new Tally();
  const progress = hooks.progress ?? new ProgressLine(options.scenario, Math.round(options.durationMs / 1000));
  let server: ServerUnderTest | undefined;
  let pools: HttpPools | undefined;
  let factory: UserFactory | undefined;
  try {
    let make;
    if (options.target !== undefined) {
      const url = options.target;
      const p = (pools = new HttpPools(url, Math.min(64, options.vus)));
      make = (vu: number) => new HttpSession(vu, p);
    } else {
      const files = options.vus * 2 + 1024;
      server = await startServerUnderTest({ maxSessions: Math.max(100_000, options.vus * 2) }, files);
      // A connection per WebSocket or TCP user: enough open files here too, and past one
      // loopback address's ~28K ephemeral ports, more source addresses.
      raiseFileLimit(process.pid, files);
      const f = (factory = new UserFactory(server.addresses, tally, Math.ceil(options.vus / PER_SOURCE_ADDRESS)));
      make = (vu: number) => f.create(transportOf(options.scenario, vu), vu);
    }
    const rssStart = server === undefined ? 0 : (await server.stats(true)).rss;
    progress.note(`opening ${options.vus} sessions`);
    const users = await openUsers(options.vus, make, tally);
    if (users.sessions.length === 0) throw new Error(`no session opened: ${tally.samples.join('; ')}`);
    const { elapsedMs } = await runEngine({
      sessions: users.sessions,
      operations: options.operations,
      durationMs: options.durationMs,
      rate: options.rate,
      timeoutMs: options.timeoutMs,
      tally,
      stop: hooks.stop,
      onSecond: (second) => {
        tally.tick(second);
        progress.update(second, tally);
      },
    });
    progress.done();
    const stats = server === undefined ? undefined : await server.stats(true);
    await Promise.all(users.sessions.map((s) => s.close().catch(() => undefined)));
    const result = buildResult(options, tally, { elapsedMs, loadStart, initialize: users.initialize.summary() });
    if (stats !== undefined) result.server = { rssStart, rssEnd: stats.rss, sessionsEnd: stats.sessions };
    return result;
  } finally {
    await factory?.close();
    await pools?.close();
    await server?.stop();
  }
}
