import fs from 'node:fs';

/** This process's limit on open files (soft or hard), from /proc/self/limits (Linux); undefined elsewhere. */
export function openFileLimit(which: 'soft' | 'hard' = 'soft'): number | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const value = Number(line?.split(/\s{2,}/)[which === 'soft' ? 1 : 2]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
