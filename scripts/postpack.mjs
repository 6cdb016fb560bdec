#!/usr/bin/env node
// A package's `postpack`: takes out the LICENSE that prepack copied in, and only that
// one (a package with a license of its own keeps it).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const copied = path.join(process.cwd(), 'LICENSE');
if (existsSync(copied) && readFileSync(copied, 'utf8') === readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'))
  rmSync(copied);
