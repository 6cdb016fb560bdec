import fs from 'node:fs';
import path from 'node:path';
import { resultsDir } from '../harness/report';
import { loadReports, resultSet } from '../harness/results';

/** Where the committed baseline lives: the gate's default reference. */
export const baselineFile = path.resolve(__dirname, '..', '..', 'baseline.json');

/** Bundles the current results (every category's report) into one baseline file. */
export function writeBaseline(out: string = baselineFile, from: string = resultsDir): string {
  const reports = loadReports(from);
  fs.writeFileSync(out, JSON.stringify(resultSet(reports), null, 2) + '\n');
  return out;
}
