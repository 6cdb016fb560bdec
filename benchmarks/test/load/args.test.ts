import { LoadUsageError, parseDuration, parseLoadArgs } from '../../src/load/args';

describe('parseLoadArgs', () => {
  it('reads a scenario and its flags', () => {
    const o = parseLoadArgs(['ws', '--vus', '2K', '--duration', '10m', '--rate', '500', '--ops', 'call,read']);
    expect(o).toMatchObject({
      scenario: 'ws',
      vus: 2000,
      durationMs: 600_000,
      rate: 500,
      operations: ['call', 'read'],
    });
  });

  it('defaults to a closed loop of every operation; smoke runs are short', () => {
    const o = parseLoadArgs(['http', '--smoke']);
    expect(o.rate).toBeUndefined();
    expect(o.operations).toEqual(['list', 'call', 'read']);
    expect(o.smoke).toBe(true);
    expect(o.durationMs).toBeLessThanOrEqual(5_000);
    expect(parseLoadArgs(['soak']).durationMs).toBe(600_000);
    expect(o.pin).toBe(false);
    expect(parseLoadArgs(['soak', '--pin']).pin).toBe(true);
  });

  it.each([
    [[]],
    [['nope']],
    [['http', '--vus']],
    [['http', '--vus', '0']],
    [['http', '--vus', '1.5']],
    [['http', '--duration', 'soon']],
    [['http', '--ops', 'call,delete']],
    [['http', '--bogus']],
    [['http', '--vus', '999999']],
    [['http', '--target', 'http://example.com/mcp']],
    [['ws', '--target', 'http://127.0.0.1:1/mcp']],
    [['http', '--pin']],
  ])('refuses %j with a LoadUsageError', (argv) => {
    expect(() => parseLoadArgs(argv)).toThrow(LoadUsageError);
  });

  it('reads durations in ms, s, m and h', () => {
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('2.5s')).toBe(2500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(() => parseDuration('0s')).toThrow(LoadUsageError);
  });
});
