import parse from 'parse-prometheus-text-format';

/**
 * One sample's value from a Prometheus text exposition, parsed by a third-party parser; 0 when
 * absent. For a histogram, its count (read from the `_count` line: the parser drops a
 * histogram's labels when `le` comes first, as prom-client writes it).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const family = parse(text).find((f) => f.name === name);
  if (family === undefined) return 0;
  if (family.type === 'HISTOGRAM') return histogramCount(text, name, labels);
  const match = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (match === undefined) return 0;
  return Number(match.value ?? match.count);
}

/** Whether a family is present with this type. */
export function familyType(text: string, name: string): string | undefined {
  return parse(text).find((f) => f.name === name)?.type;
}

function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== `${name}_count`) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}
