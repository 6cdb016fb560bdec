import os from 'node:os';

export function environment(): { date: string; node: string; cpu: string } {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} x${cpus.length}`,
  };
}
