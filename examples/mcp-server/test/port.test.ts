import { DEFAULT_PORT, portFromEnv } from '../src/port';

// The README promises `${PORT:-3000}`: unset or empty means 3000, and PORT=4000 means 4000.
test('PORT unset or empty is the default port, as ${PORT:-3000} reads', () => {
  expect(DEFAULT_PORT).toBe(3000);
  expect(portFromEnv(undefined)).toBe(3000);
  expect(portFromEnv('')).toBe(3000);
});

test('PORT that is a port number is used, 0 meaning any free port', () => {
  expect(portFromEnv('4000')).toBe(4000);
  expect(portFromEnv('0')).toBe(0);
  expect(portFromEnv('65535')).toBe(65535);
});

test('a PORT that is not a port number is a RangeError naming it, not a silent fallback', () => {
  for (const bad of ['abc', '80abc', '3000.5', '-1', '65536', '99999', ' ', '0x50', '1e3']) {
    expect(() => portFromEnv(bad)).toThrow(RangeError);
    expect(() => portFromEnv(bad)).toThrow(`PORT must be an integer in 0..65535, got ${JSON.stringify(bad)}`);
  }
});
