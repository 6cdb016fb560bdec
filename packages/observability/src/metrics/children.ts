/**
 * Counters and histograms for hot paths (every MCP request, every batch). prom-client
 * hashes a label object on each `inc`/`observe` (a few µs under load); here each label
 * combination is resolved once to a child holding plain numbers, and an event costs a map
 * lookup and a few additions. The families register with a prom-client Registry as custom
 * metrics (its `get()` contract), so they print with the rest.
 */
import type { Registry } from 'prom-client';

/** What prom-client's Registry reads from a metric (`get()`); its own types for it are not exported. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}
interface Collected {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: Sample[];
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

function labelsOf(family: Family, values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  family.labelNames.forEach((name, i) => (labels[name] = values[i]!));
  return labels;
}

/** Label values → child, one level of Map per label: no key string is built per event. */
class Children<C> {
  private readonly root = new Map<string, unknown>();
  readonly all: { values: readonly string[]; child: C }[] = [];

  constructor(private readonly make: () => C) {}

  get(values: readonly string[]): C {
    let level = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      let next = level.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    const last = values[values.length - 1] ?? '';
    let child = level.get(last) as C | undefined;
    if (child === undefined) {
      child = this.make();
      level.set(last, child);
      this.all.push({ values: [...values], child });
    }
    return child;
  }
}

export class FastCounter implements Family {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children = new Children(() => ({ value: 0 }));

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registers: Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  inc(values: readonly string[], by = 1): void {
    this.children.get(values).value += by;
  }

  get(): Collected {
    return {
      name: this.name,
      help: this.help,
      type: 'counter',
      aggregator: 'sum',
      values: this.children.all.map(({ values, child }) => ({ labels: labelsOf(this, values), value: child.value })),
    };
  }

  reset(): void {}
}

interface HistogramChild {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram implements Family {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children: Children<HistogramChild>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
    registers: Registry[],
  ) {
    this.children = new Children(() => ({ counts: new Float64Array(buckets.length), sum: 0, count: 0 }));
    for (const registry of registers) registry.registerMetric(this as never);
  }

  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return;
    const child = this.children.get(values);
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]!) {
        child.counts[i]!++;
        break;
      }
    }
    child.sum += value;
    child.count++;
  }

  get(): Collected {
    const out: Sample[] = [];
    for (const { values, child } of this.children.all) {
      const labels = labelsOf(this, values);
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += child.counts[i]!;
        out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: child.count });
      out.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      out.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values: out };
  }

  reset(): void {}
}
