import { trafficFromEnv } from './options';
import { formatReport, runTraffic } from './traffic';

/**
 * `npm run traffic -- <url> <url> <url>`: MCP traffic, both revisions, round robin across the
 * nodes of a running cluster (`npm start` prints their URLs; default ports 3101-3103).
 */
async function main(): Promise<void> {
  const given = process.argv.slice(2);
  const urls = given.length > 0 ? given : [3101, 3102, 3103].map((port) => `http://127.0.0.1:${port}/mcp`);
  process.stdout.write(`${formatReport(await runTraffic(trafficFromEnv(urls)))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
