/**
 * Virtual users for a scenario: each its own session on the scenario's transport, opened
 * with bounded concurrency, and its initialize timed.
 */
import type { ScenarioName } from './args';
import { LatencyHistogram } from './histogram';
import { HttpPools, HttpSession } from './http-session';
import { sourceAddress, type VuSession } from './session';
import type { ServerAddresses } from './server/spawn';
import type { Tally } from './tally';
import { TcpSession } from './tcp-session';
import { WsSession } from './ws-session';

export type TransportKind = 'http' | 'http-json' | 'ws' | 'tcp';

/** The transport of virtual user `vu` in a scenario: a mix cycles through the four. */
export function transportOf(scenario: ScenarioName, vu: number): TransportKind {
  if (scenario === 'mix' || scenario === 'soak') return (['http', 'http-json', 'ws', 'tcp'] as const)[vu % 4]!;
  return scenario;
}

/** Connections of the HTTP pools, and how many sessions open at once. */
export const HTTP_CONNECTIONS = 64;
export const OPEN_CONCURRENCY = 64;
/** Connections per loopback source address: below the ~28K ephemeral ports of one. */
export const PER_SOURCE_ADDRESS = 20_000;

export class UserFactory {
  private readonly pools = new Map<'http' | 'http-json', HttpPools>();

  constructor(
    private readonly addresses: ServerAddresses,
    private readonly tally: Tally,
    /** Loopback source addresses for WebSocket and TCP connections (127.0.0.1..N). */
    private readonly sourceAddresses = 1,
    private readonly httpConnections = HTTP_CONNECTIONS,
  ) {}

  private pool(kind: 'http' | 'http-json'): HttpPools {
    let pools = this.pools.get(kind);
    if (pools === undefined) {
      const url = kind === 'http' ? this.addresses.sseUrl : this.addresses.jsonUrl;
      pools = new HttpPools(url, this.httpConnections);
      this.pools.set(kind, pools);
    }
    return pools;
  }

  create(kind: TransportKind, vu: number): VuSession {
    const stray = (answer: unknown): void => this.tally.stray(answer);
    const late = (): void => void (this.tally.counts.late += 1);
    switch (kind) {
      case 'http':
      case 'http-json':
        return new HttpSession(vu, this.pool(kind));
      case 'ws':
        return new WsSession(vu, this.addresses.wsUrl, stray, sourceAddress(vu, this.sourceAddresses), late);
      case 'tcp':
        return new TcpSession(vu, this.addresses.tcpPort, stray, sourceAddress(vu, this.sourceAddresses), late);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

export interface OpenedUsers {
  sessions: VuSession[];
  /** Sessions that failed to open (each also counted in the tally). */
  failed: number;
  initialize: LatencyHistogram;
  elapsedMs: number;
}

/**
 * Opens `count` sessions, `concurrency` at a time, user numbers from `first`. A session that
 * fails to open is counted in the tally (as its cause) and left out.
 */
export async function openUsers(
  count: number,
  make: (vu: number) => VuSession,
  tally: Tally,
  {
    first = 0,
    concurrency = OPEN_CONCURRENCY,
    onOpened,
  }: { first?: number; concurrency?: number; onOpened?: (n: number) => void } = {},
): Promise<OpenedUsers> {
  const sessions: VuSession[] = [];
  const initialize = new LatencyHistogram();
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const session = make(first + next++);
        const t0 = performance.now();
        try {
          await session.open();
          initialize.record((performance.now() - t0) * 1000);
          sessions.push(session);
          onOpened?.(sessions.length);
        } catch (error) {
          failed += 1;
          const cause = (error as { cause_?: 'status' | 'transport' | 'mismatch' }).cause_ ?? 'transport';
          tally.fail(cause, `open vu ${session.vu}: ${(error as Error).message}`);
          await session.close().catch(() => undefined);
        }
      }
    }),
  );
  return { sessions, failed, initialize, elapsedMs: performance.now() - started };
}
