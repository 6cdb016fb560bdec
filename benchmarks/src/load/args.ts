/**
 * The command line of `npm run load -- <scenario> [--vus N] [--duration D] [--rate R] ...`,
 * parsed into typed options. Bad input is a LoadUsageError (exit code 2), never a guess.
 */

export const SCENARIOS = ['http', 'http-json', 'ws', 'tcp', 'mix', 'soak'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const OPERATIONS = ['list', 'call', 'read'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface LoadOptions {
  scenario: ScenarioName;
  /** Virtual users, each with its own MCP session. */
  vus: number;
  /** How long requests are sent, in ms. */
  durationMs: number;
  /** Open loop: requests/s in all, sent on schedule whatever the answers do; undefined: closed loop. */
  rate: number | undefined;
  /** What each virtual user sends, in turn. */
  operations: Operation[];
  /** A request not answered within this many ms counts as lost. */
  timeoutMs: number;
  /** Tiny sizes (a few seconds): what CI runs so the code cannot rot. */
  smoke: boolean;
  /** Where the JSON and HTML results go (a directory). */
  outDir: string | undefined;
  /** An MCP endpoint to load instead of starting the server under test (http scenarios only). */
  target: string | undefined;
  /** Soak: the server under test on one CPU, the generator on another (taskset; unpinned if missing). */
  pin?: boolean;
}

export class LoadUsageError extends Error {
  override readonly name = 'LoadUsageError';
}

/** 10m, 30s, 1500ms, 1h, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new LoadUsageError(`not a duration: ${JSON.stringify(text)} (say 30s, 10m, 1500ms)`);
  const scale = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * scale;
  if (!(ms > 0)) throw new LoadUsageError(`a duration must be positive: ${text}`);
  return Math.round(ms);
}

/** A positive whole number, with an optional K or M suffix (50K). */
export function parseCount(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6);
  if (!Number.isInteger(n) || n < 1) throw new LoadUsageError(`${flag}: not a whole positive number: ${text}`);
  return n;
}

const FLAGS = new Set(['--vus', '--duration', '--rate', '--ops', '--timeout', '--out', '--target']);
const SWITCHES = new Set(['--smoke', '--pin']);

/** Hard bounds: this generator stays on loopback and ends. */
export const MAX_VUS = 200_000;
export const MAX_DURATION_MS = 2 * 3_600_000;

export function parseLoadArgs(argv: readonly string[]): LoadOptions {
  const [scenario, ...rest] = argv;
  if (scenario === undefined || !(SCENARIOS as readonly string[]).includes(scenario))
    throw new LoadUsageError(`usage: npm run load -- <${SCENARIOS.join('|')}> [--vus N] [--duration D] [--rate R]`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (SWITCHES.has(arg)) flags.set(arg, 'true');
    else if (FLAGS.has(arg)) {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new LoadUsageError(`${arg} needs a value`);
      flags.set(arg, value);
      i++;
    } else throw new LoadUsageError(`unknown argument ${arg}`);
  }
  const smoke = flags.has('--smoke');
  const get = (flag: string): string | undefined => flags.get(flag);
  const vus = get('--vus') === undefined ? (smoke ? 4 : 50) : parseCount('--vus', get('--vus')!);
  if (vus > MAX_VUS) throw new LoadUsageError(`--vus: at most ${MAX_VUS}`);
  const defaultDuration = smoke ? 2_000 : scenario === 'soak' ? 600_000 : 30_000;
  const durationMs = get('--duration') === undefined ? defaultDuration : parseDuration(get('--duration')!);
  if (durationMs > MAX_DURATION_MS) throw new LoadUsageError(`--duration: at most ${MAX_DURATION_MS / 60_000}m`);
  const rate = get('--rate') === undefined ? undefined : parseCount('--rate', get('--rate')!);
  const ops = (get('--ops') ?? OPERATIONS.join(',')).split(',').filter((o) => o !== '');
  const unknown = ops.filter((o) => !(OPERATIONS as readonly string[]).includes(o));
  if (ops.length === 0 || unknown.length > 0)
    throw new LoadUsageError(`--ops: ${unknown.join(',') || '(none)'}: choose from ${OPERATIONS.join(',')}`);
  const timeoutMs = get('--timeout') === undefined ? 10_000 : parseDuration(get('--timeout')!);
  const target = get('--target');
  if (target !== undefined) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new LoadUsageError(`--target: not a URL: ${target}`);
    }
    if (!isLoopback(url.hostname)) throw new LoadUsageError(`--target: loopback addresses only, not ${url.hostname}`);
    if (!scenario.startsWith('http')) throw new LoadUsageError('--target: only the http scenarios load a given URL');
  }
  const pin = flags.has('--pin');
  if (pin && scenario !== 'soak') throw new LoadUsageError('--pin: only the soak pins the server and the generator');
  return {
    scenario: scenario as ScenarioName,
    vus,
    durationMs,
    rate,
    operations: ops as Operation[],
    timeoutMs,
    smoke,
    outDir: get('--out'),
    target,
    pin,
  };
}

export function isLoopback(hostname: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === 'localhost' || hostname === '[::1]';
}
