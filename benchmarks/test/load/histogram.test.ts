import { LatencyHistogram } from '../../src/load/histogram';

describe('LatencyHistogram', () => {
  it('gives the percentiles of what it recorded, to 3 significant digits', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 10_000; us++) h.record(us);
    const s = h.summary();
    expect(s.count).toBe(10_000);
    const near = (got: number, want: number): void => expect(Math.abs(got - want) / want).toBeLessThan(0.002);
    near(s.p50Us, 5_000);
    near(s.p95Us, 9_500);
    near(s.p99Us, 9_900);
    near(s.p999Us, 9_990);
    near(s.maxUs, 10_000);
    near(s.meanUs, 5_000.5);
  });

  it('sees a tail that a mean hides', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 990; i++) h.record(100);
    for (let i = 0; i < 10; i++) h.record(50_000);
    expect(h.percentile(50)).toBe(100);
    expect(h.percentile(99)).toBe(100);
    expect(h.summary().p999Us).toBeGreaterThanOrEqual(49_900);
  });

  it('is all zeros when empty, and adds another', () => {
    const a = new LatencyHistogram();
    expect(a.summary()).toEqual({ count: 0, meanUs: 0, p50Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 });
    const b = new LatencyHistogram();
    b.record(7);
    a.add(b);
    expect(a.count).toBe(1);
    expect(a.distribution().map(([p]) => p)).toContain(99.9);
  });
});
