import { CORPUS, mutant, rng } from '../src/fuzz/mutate';
import { fuzzProblems, runFuzz } from '../src/fuzz/command';

// The mutation fuzzer at a small count (the million-frame run is `npm run bench -- fuzz`):
// hostile frames at Streamable HTTP, WebSocket, TCP and stdio, a server in a child process
// (benchmarks/dist, built by `npm test`), a ping every 100 frames that must be answered.

describe('the mutation fuzzer', () => {
  test('is reproducible from its seed and mutates: frames differ from the valid traffic', () => {
    const a = rng(42);
    const b = rng(42);
    const frames = Array.from({ length: 500 }, () => mutant(a));
    expect(Array.from({ length: 500 }, () => mutant(b))).toEqual(frames);
    const corpus = new Set(CORPUS);
    expect(frames.filter((f) => !corpus.has(f)).length).toBeGreaterThan(450);
  });

  test('4,000 hostile frames across every transport: no crash, no hang, every probe answered', async () => {
    const run = await runFuzz(4_000, 1234);
    expect(fuzzProblems(run)).toEqual([]);
    expect(run.tallies.map((t) => t.transport)).toEqual(['http', 'websocket', 'tcp', 'stdio']);
    for (const t of run.tallies) {
      expect(t.frames).toBeGreaterThanOrEqual(400);
      expect(t.probes).toBeGreaterThan(0);
      expect(t.probesAnswered).toBe(t.probes);
    }
  });
});
