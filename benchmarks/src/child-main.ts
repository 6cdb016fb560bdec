/**
 * The entry of a benchmark child process (see harness/child.ts): measures one side of one
 * scenario and sends the measurement to the parent. It loads only the scenario's category,
 * and the mixed application only in the mixed mode.
 */
import { inMixedMode } from './harness/child';
import { loadCategory } from './categories/load';

async function childMain([categoryName, scenarioName, side, size]: string[]): Promise<void> {
  const category = await loadCategory(categoryName ?? '');
  const scenario = category?.scenarios.find((s) => s.name === scenarioName);
  if (scenario === undefined) throw new Error(`unknown scenario ${categoryName}/${scenarioName}`);
  if (side === 'paired') {
    // Both sides here, in alternating rounds warmed alike (the scenario's own warm-up).
    process.send!({ ok: await scenario.paired!(Number(size)) });
    return;
  }
  const run = side === 'ours' ? scenario.ours : scenario.peer;
  if (run === undefined) throw new Error(`${categoryName}/${scenarioName} has no ${side} side`);
  // The mixed mode: the application is loaded and exercised before the warm-up, on both sides.
  const mixed = inMixedMode() && scenario.mixed === 'child';
  if (mixed) await (await import('./harness/mixed/app.js')).loadMixedApplication();
  // Both sides get the same untimed warm-up, so the JIT has compiled the hot paths of each.
  if (scenario.lowerIsBetter !== true && scenario.warmUp !== false)
    await run(Math.max(1, Math.floor(Number(size) / 10)));
  const measurement = await run(Number(size));
  // The application's listening socket and processes would keep a mixed child alive: it ends here.
  if (mixed) process.send!({ ok: measurement }, () => process.exit(0));
  else process.send!({ ok: measurement });
}

childMain(process.argv.slice(2)).catch((error: unknown) => {
  process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
});
