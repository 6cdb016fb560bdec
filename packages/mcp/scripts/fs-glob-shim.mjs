// Node 20 lacks fs.globSync (added in 22); the conformance CLI imports it by name.
// This module stands in for 'fs' inside that package: all of node:fs plus globSync.
import fs from 'node:fs';
import path from 'node:path';

export * from 'node:fs';
export default fs;

function escapeRegExp(text) {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** A glob with `**`, `*` and `?` as a regular expression over '/'-separated paths. */
function globToRegExp(pattern) {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`);
}

function walk(root, relative, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    out.push(child);
    if (entry.isDirectory()) walk(root, child, out);
  }
}

/** fs.globSync(pattern | patterns, { cwd? }): relative paths that match, like Node 22's. */
export function globSync(patterns, options = {}) {
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const list = Array.isArray(patterns) ? patterns : [patterns];
  const results = new Set();
  for (const pattern of list) {
    const absolute = path.isAbsolute(pattern);
    const root = absolute ? path.parse(pattern).root : cwd;
    const relPattern = (absolute ? path.relative(root, pattern) : pattern).split(path.sep).join('/');
    const matcher = globToRegExp(relPattern);
    const all = [];
    walk(root, '', all);
    for (const candidate of all) {
      if (matcher.test(candidate))
        results.add(absolute ? path.join(root, candidate) : candidate.split('/').join(path.sep));
    }
  }
  return [...results];
}
