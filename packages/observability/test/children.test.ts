import fc from 'fast-check';
import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../src/metrics/children';

/** `name{labels} value` lines of one exposition, labels as text. */
function lines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('the hot-path counters and histograms', () => {
  it('print cumulative buckets, sum and count that agree with the values observed, per label set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.double({ min: 0, max: 20, noNaN: true })), { maxLength: 200 }),
        async (observations) => {
          const registry = new Registry();
          const buckets = [0.5, 1, 5, 10];
          const histogram = new FastHistogram('h_seconds', 'test', ['method'], buckets, [registry]);
          for (const [method, value] of observations) histogram.observe([method], value);
          const printed = lines(await registry.metrics());
          for (const method of ['a', 'b']) {
            const values = observations.filter(([m]) => m === method).map(([, v]) => v);
            if (values.length === 0) {
              expect(printed.has(`h_seconds_count{method="${method}"}`)).toBe(false);
              continue;
            }
            for (const le of buckets)
              expect(printed.get(`h_seconds_bucket{method="${method}",le="${le}"}`)).toBe(
                values.filter((v) => v <= le).length,
              );
            expect(printed.get(`h_seconds_bucket{method="${method}",le="+Inf"}`)).toBe(values.length);
            expect(printed.get(`h_seconds_count{method="${method}"}`)).toBe(values.length);
            expect(printed.get(`h_seconds_sum{method="${method}"}`)).toBeCloseTo(
              values.reduce((s, v) => s + v, 0),
              6,
            );
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('ignore a value that is not finite, and count by label set', async () => {
    const registry = new Registry();
    const counter = new FastCounter('c_total', 'test', ['transport', 'reason'], [registry]);
    const histogram = new FastHistogram('h_seconds', 'test', [], [1], [registry]);
    counter.inc(['http', '403']);
    counter.inc(['http', '403'], 2);
    counter.inc(['websocket', 'capacity']);
    histogram.observe([], NaN);
    histogram.observe([], Infinity);
    const printed = lines(await registry.metrics());
    expect(printed.get('c_total{transport="http",reason="403"}')).toBe(3);
    expect(printed.get('c_total{transport="websocket",reason="capacity"}')).toBe(1);
    expect(printed.has('h_seconds_count')).toBe(false);
  });
});
