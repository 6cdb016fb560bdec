/**
 * npm run load -- <http|http-json|ws|tcp|mix|soak> [--vus N] [--duration D] [--rate R]
 *                 [--ops list,call,read] [--timeout D] [--out DIR] [--target URL] [--smoke] [--pin]
 *
 * The load generator (the k6 equivalent of erlmcp's scripts): virtual users each with their
 * own MCP session against the server under test (server/child.ts, started in its own
 * process) or a loopback --target, closed loop or open loop (--rate), every answer checked.
 * Writes load-<scenario>.json and .html to benchmarks/results/load/ (smoke: results/smoke/load/).
 *
 * Exit codes: 0 every request answered right (and, for the soak, every verdict passed);
 * 1 a request failed, was lost or mismatched, or a soak verdict failed; 2 bad arguments.
 */
import { LoadUsageError, parseLoadArgs } from './args';
import { defaultOutDir, formatResult, writeResult } from './result';
import { runScenario } from './run-scenario';
import { runSoak } from './soak';

async function main(argv: string[]): Promise<number> {
  const options = parseLoadArgs(argv);
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  const result = options.scenario === 'soak' ? await runSoak(options) : await runScenario(options, { stop: stopped });
  const files = writeResult(result, options.outDir ?? defaultOutDir(options.smoke));
  console.log(formatResult(result));
  console.log(`wrote ${files.json}\nwrote ${files.html}`);
  const c = result.counts;
  const wrong = c.failed.lost + c.failed.mismatch + c.failed.status + c.failed.transport > 0;
  // A smoke soak is too short to judge memory growth, a p99 or the generator's schedule (CI's
  // cores are shared): only correctness fails it.
  const verdictsFailed = Object.entries(result.verdicts ?? {}).some(
    ([name, passed]) => !passed && (!options.smoke || !/p99|RSS|schedule/.test(name)),
  );
  return wrong || verdictsFailed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof LoadUsageError ? `load: ${error.message}` : error);
    process.exit(error instanceof LoadUsageError ? 2 : 1);
  },
);
