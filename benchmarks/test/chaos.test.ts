import { Node } from '@erlmcp/otp';
import { verdict } from '../src/chaos/command';
import { type ChaosConfig, runChaos } from '../src/chaos/run';

// The chaos run at a small size: faults of every kind under load on the supervised server.
// Worker schedulers load the compiled shard worker (benchmarks/dist): `npm test` builds first.

const SMALL: ChaosConfig = {
  vus: 6,
  shards: 6,
  controlShards: 2,
  warmupMs: 300,
  faultMs: 2_500,
  faultEveryMs: 100,
  calmMs: 800,
  faults: ['session', 'worker', 'listener', 'stall', 'scheduler'],
  remoteShards: true,
  dropRate: 0.2,
  workMs: 2,
  deadlineMs: 30_000,
  handlerTimeoutMs: 2_000,
};

describe('chaos under load', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ schedulers: 2, logLevel: 'silent' });
  });
  afterEach(async () => {
    await node.stop();
  });

  test('no request is lost or mismatched, untouched sessions see no error, the tree comes back', async () => {
    const report = await runChaos(SMALL);
    expect(verdict(report)).toEqual([]);
    expect(report.all.lost).toBe(0);
    expect(report.all.mismatched).toBe(0);
    // Every request ended one way or another: answered or failed with a cause.
    const failed = Object.values(report.all.failed).reduce((a, b) => a + b, 0);
    expect(report.all.answered + failed).toBe(report.all.sent);
    // The control users (their sessions and workers never faulted, their streams cut and
    // resumed, the listener killed under them) saw answers only.
    expect(report.control.failed).toEqual({});
    expect(report.control.answered).toBe(report.control.sent);
    expect(report.control.sent).toBeGreaterThan(0);
    for (const kind of SMALL.faults) expect(report.faults[kind]).toBeGreaterThan(0);
    expect(report.restoredShards).toBe(SMALL.shards);
    expect(report.listenerRestored).toBe(true);
  });
});
