import { nodeStats, runTraffic, startCluster, type RunningCluster } from '../src';

// The example, small: a real nats-server (on PATH, or /usr/sbin where Debian puts it) and three
// node processes running the compiled example (`npx tsc -b` first; npm test does).
jest.setTimeout(180_000);

let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster({ readyTimeoutMs: 120_000 });
});

afterAll(async () => {
  await cluster?.stop();
});

test('three node processes, each on its own port, see each other', async () => {
  expect(cluster.urls).toHaveLength(3);
  expect(new Set(cluster.urls).size).toBe(3);
  expect(new Set(cluster.pids).size).toBe(3);
  for (const url of cluster.urls) expect((await nodeStats(url)).nodes).toHaveLength(2);
});

test('round-robin traffic of both revisions: every answer right, sessions forwarded, stateless answered where it lands', async () => {
  const report = await runTraffic({
    urls: cluster.urls,
    sessions: 3,
    callsPerSession: 6,
    statelessCalls: 12,
    concurrency: 4,
  });
  expect(report.nodes).toEqual(['n1', 'n2', 'n3']);
  expect(report.legacy).toMatchObject({ calls: 18, errors: 0, sessions: 3 });
  expect(report.modern).toMatchObject({ calls: 12, errors: 0 });
  // Round robin: each stateless call ran on the node it reached, so all three served.
  expect(report.modern.ranOn).toEqual({ n1: 4, n2: 4, n3: 4 });
  // Two of every three session calls reached a node that does not own the session.
  expect(report.legacy.forwarded).toBeGreaterThan(0);
  const out = report.counted.reduce((sum, c) => sum + c.forwardedOut, 0);
  const into = report.counted.reduce((sum, c) => sum + c.forwardedIn, 0);
  // Every forwarded call was counted by the node that passed it and by the owner that answered it.
  expect(out).toBeGreaterThanOrEqual(report.legacy.forwarded);
  expect(into).toBe(out);
  expect(report.counted.every((c) => c.ownerGone === 0)).toBe(true);
});
