import { workersFromEnv } from '../src/workers';

describe('WORKERS', () => {
  it('unset or empty is one process; auto is one per core; a count is taken as given', () => {
    expect(workersFromEnv(undefined, 8)).toBe(1);
    expect(workersFromEnv('', 8)).toBe(1);
    expect(workersFromEnv('auto', 8)).toBe(8);
    expect(workersFromEnv('2', 8)).toBe(2);
  });

  it('refuses what is not a count, rather than guessing', () => {
    for (const bad of ['0', '-1', 'two', '1.5', '1000', ' 2']) expect(() => workersFromEnv(bad, 8)).toThrow(RangeError);
  });
});
