/**
 * A load-generator process that opens and holds WebSocket sessions (concurrent_sessions):
 * one process's open-file limit caps the connections it can hold, so the row splits them
 * over several of these, each binding its own loopback source address (its own ~28K
 * ephemeral ports towards the server's one address and port).
 *
 * argv[2] is {@link WsHolderOptions}. It reports { opened } once its sessions are open (and
 * { progress } every 1,000), on { cmd: 'call' } sends one tools/call on each and reports
 * { called }, and on { cmd: 'close' } closes them and exits.
 */
import { callEach } from './call-each';
import type { VuSession } from './session';
import { Tally } from './tally';
import { openUsers } from './users';
import { WsSession } from './ws-session';

export interface WsHolderOptions {
  url: string;
  /** The first virtual user's number (answers are checked against it). */
  first: number;
  count: number;
  localAddress?: string;
  concurrency: number;
}

export interface WsHolderOpened {
  opened: number;
  failed: number;
  elapsedMs: number;
  samples: string[];
}

export interface WsHolderCalled {
  answered: number;
  failed: number;
  p99Us: number;
  samples: string[];
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as WsHolderOptions;
  const tally = new Tally();
  const opened = await openUsers(
    options.count,
    (vu) => new WsSession(vu, options.url, (a) => tally.stray(a), options.localAddress),
    tally,
    {
      first: options.first,
      concurrency: options.concurrency,
      onOpened: (n) => n % 1_000 === 0 && process.send!({ progress: n }),
    },
  );
  const sessions: VuSession[] = opened.sessions;
  const report: WsHolderOpened = {
    opened: sessions.length,
    failed: opened.failed,
    elapsedMs: opened.elapsedMs,
    samples: tally.samples.slice(0, 3),
  };
  process.send!({ opened: report });
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'call') {
      void (async () => {
        const calls = new Tally();
        const answered = await callEach(sessions, calls);
        const called: WsHolderCalled = {
          answered,
          failed: calls.failedTotal,
          p99Us: calls.latency.percentile(99),
          samples: calls.samples.slice(0, 3),
        };
        process.send!({ called });
      })();
    } else if (message.cmd === 'close') {
      void Promise.all(sessions.map((s) => s.close())).finally(() => process.exit(0));
    }
  });
}

main().catch((error: unknown) => {
  console.error('ws holder:', error);
  process.exit(1);
});
