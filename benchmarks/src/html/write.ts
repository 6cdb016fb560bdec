import fs from 'node:fs';
import path from 'node:path';
import { loadReports } from '../harness/results';
import { renderPage } from './page';

/** Writes report.html into the results directory `dir` (or beside the results file), from what it holds. */
export function writeHtmlReport(where: string): string {
  const reports = loadReports(where);
  const dir = fs.statSync(where).isDirectory() ? where : path.dirname(where);
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, renderPage(reports));
  return file;
}
