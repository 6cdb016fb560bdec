import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultSet } from '../src/harness/results';
import type { Report, ResultRow } from '../src/harness/types';
import { parseCount } from '../src/project/cli';
import { efficiencySource, projectionInputs } from '../src/project/inputs';
import { project, ProjectionError, type NodeShape, type ProjectionInputs } from '../src/project/projection';

const at = (value: number, source: string) => ({ value, source, measuredOn: '2026-12-06T20:00:00.000Z' });

// Round figures, so each expected number can be worked out by hand in the comments.
const inputs: ProjectionInputs = {
  memoryPerSession: at(4_000, 'mcp/session_memory (ours)'),
  sessionsMeasured: 10_000,
  requestsPerCore: at(10_000, 'mcp/http_rate_p99_10ms (ours)'),
  connectionsMeasured: 256,
  bytesPerRequest: at(500, 'mcp/wire_bytes_per_call (ours)'),
  coreEfficiency: at(0.9, 'schedulers/parallel_work'),
  coresMeasured: 2,
};
const GiB = 2 ** 30;
const node: NodeShape = {
  cores: 2,
  memoryBytes: 10 * GiB,
  fileDescriptors: 100_000,
  memoryHeadroom: 0.8,
  heapLimitBytes: 4 * GiB,
};

describe('the projection arithmetic', () => {
  test('throughput-bound: 50K connections at 1 req/s', () => {
    const p = project(inputs, node, { connections: 50_000, ratePerConnection: 1 });
    // rps/node = 10,000 × 2 cores × 0.9 = 18,000; 50,000 req/s needs ⌈50,000 / 18,000⌉ = 3 nodes.
    expect(p.capacity.requestsPerSecondPerNode).toBe(18_000);
    // sessions/node = ⌊10 GiB × 0.8 / 4,000⌋ = 2,147,483: memory is not the bound.
    expect(p.capacity.sessionsPerNode).toBe(Math.floor((10 * GiB * 0.8) / 4_000));
    expect(p.nodes).toBe(3);
    expect(p.boundBy).toBe('throughput');
    expect(p.requiredRequestsPerSecond).toBe(50_000);
    expect(p.perNode.connections).toBeCloseTo(50_000 / 3, 6);
    expect(p.total.memoryBytes).toBe(50_000 * 4_000);
    expect(p.total.requestsPerSecondCapacity).toBe(54_000);
    // Network: 50,000 req/s × 500 B × 8 = 200 Mbit/s in all.
    expect(p.total.networkBitsPerSecond).toBeCloseTo(200e6, 3);
    expect(p.perNode.networkBitsPerSecond).toBeCloseTo(200e6 / 3, 3);
  });

  test('memory-bound: 5M connections at a low rate', () => {
    // 5M × 4,000 B = 20 GB of sessions; 2,147,483 per node -> 3 nodes; 50,000 req/s needs 3 too.
    const p = project(
      inputs,
      { ...node, fileDescriptors: 10_000_000 },
      { connections: 5_000_000, ratePerConnection: 0.001 },
    );
    expect(p.nodes).toBe(3);
    expect(p.boundBy).toBe('memory');
    const tighter = project(
      inputs,
      { ...node, memoryBytes: 5 * GiB, fileDescriptors: 10_000_000 },
      { connections: 5_000_000, ratePerConnection: 0.001 },
    );
    expect(tighter.nodes).toBe(Math.ceil(5_000_000 / Math.floor((5 * GiB * 0.8) / 4_000)));
    expect(tighter.boundBy).toBe('memory');
  });

  test('file-descriptor-bound: a low open-file limit', () => {
    // 1,024 files × 2 processes = 2,048 connections per node: 500K need 245 nodes.
    const p = project(inputs, { ...node, fileDescriptors: 1_024 }, { connections: 500_000, ratePerConnection: 0.01 });
    expect(p.boundBy).toBe('file descriptors');
    expect(p.nodes).toBe(Math.ceil(500_000 / 2_048));
  });

  test('never counts on better than linear multi-core scaling', () => {
    const p = project({ ...inputs, coreEfficiency: at(1.1, 'noise') }, node, {
      connections: 1_000,
      ratePerConnection: 1,
    });
    expect(p.capacity.efficiency).toBe(1);
    expect(p.capacity.requestsPerSecondPerNode).toBe(20_000);
  });

  test('says where it leaves the measured range, in numbers', () => {
    const small = project(inputs, node, { connections: 400, ratePerConnection: 1 });
    expect(small.validity.filter((v) => !v.startsWith('network'))).toEqual([]);
    const big = project(inputs, { ...node, cores: 8 }, { connections: 5_000_000, ratePerConnection: 0.1 });
    const text = big.validity.join('\n');
    expect(text).toMatch(/measured up to 10000 sessions/);
    expect(text).toMatch(/at most 256 concurrent connections/);
    expect(text).toMatch(/measured on 2 cores; a 8-core node/);
    expect(text).toMatch(/nodes assume sessions are independent/);
    // 5M sessions over few processes pass V8's 4 GiB heap limit.
    const heavy = project(
      inputs,
      { ...node, memoryBytes: 100 * GiB, fileDescriptors: 10_000_000 },
      { connections: 5_000_000, ratePerConnection: 0.001 },
    );
    expect(heavy.validity.join('\n')).toMatch(/over V8's heap limit of 4\.0 GiB/);
  });

  test('refuses inputs it cannot project from', () => {
    expect(() =>
      project({ ...inputs, requestsPerCore: at(0, 'x') }, node, { connections: 1, ratePerConnection: 1 }),
    ).toThrow(ProjectionError);
    expect(() => project(inputs, node, { connections: -5, ratePerConnection: 1 })).toThrow(
      /connections must be a positive number/,
    );
    expect(() => project(inputs, { ...node, memoryHeadroom: 1.5 }, { connections: 1, ratePerConnection: 1 })).toThrow(
      /headroom/,
    );
  });

  test('reads counts as people write them', () => {
    expect([parseCount('50K'), parseCount('500k'), parseCount('5M'), parseCount('1.5M'), parseCount('42')]).toEqual([
      50_000, 500_000, 5_000_000, 1_500_000, 42,
    ]);
    expect(() => parseCount('lots')).toThrow(ProjectionError);
  });
});

const row = (name: string, ours: number, extra: Partial<ResultRow> = {}): ResultRow => ({
  name,
  unit: 'u',
  ours,
  peer: 'p',
  peerValue: 1,
  ratio: ours,
  size: 10_000,
  runs: 3,
  ...extra,
});
const fixtureReports: Report[] = [
  {
    category: 'mcp',
    date: '2026-12-06T20:00:00.000Z',
    node: 'v20',
    cpu: 'AMD EPYC x2',
    smoke: false,
    results: [
      row('session_memory', 4_000, { date: '2026-11-27T09:00:00.000Z' }),
      row('http_rate_p99_10ms', 10_000, { oursDetail: { connectionsSwept: 256 } }),
      row('wire_bytes_per_call', 500),
    ],
  },
  {
    category: 'schedulers',
    date: '2026-11-27T08:00:00.000Z',
    node: 'v20',
    cpu: 'AMD EPYC x2',
    smoke: false,
    results: [row('parallel_work', 1_996, { ratio: 1.8 })],
  },
];

describe('the projection inputs', () => {
  test('come from the results, each with its source and the date it was measured', () => {
    const read = projectionInputs(fixtureReports);
    expect(read.memoryPerSession).toEqual({
      value: 4_000,
      source: 'mcp/session_memory (ours)',
      measuredOn: '2026-11-27T09:00:00.000Z',
    });
    expect(read.requestsPerCore.measuredOn).toBe('2026-12-06T20:00:00.000Z');
    expect(read.connectionsMeasured).toBe(256);
    expect(read.coreEfficiency.value).toBeCloseTo(0.9, 10);
    expect(read.coresMeasured).toBe(2);
  });

  test('--efficiency-from scale/scaling takes the per-core efficiency from the message-passing row', () => {
    const withScale: Report[] = [
      ...fixtureReports,
      { ...fixtureReports[1]!, category: 'scale', results: [row('scaling', 7_000_000, { ratio: 1.5 })] },
    ];
    const read = projectionInputs(withScale, efficiencySource('scale/scaling'));
    expect(read.coreEfficiency.value).toBeCloseTo(0.75, 10);
    expect(read.coreEfficiency.source).toBe('scale/scaling (ours / 1 scheduler, per core)');
    expect(() => efficiencySource('scale/message_throughput')).toThrow(ProjectionError);
    expect(() => projectionInputs(fixtureReports, efficiencySource('scale/scaling'))).toThrow(
      /npm run bench -- scale --only scaling/,
    );
  });

  test('a missing input names the command that measures it', () => {
    const without = [
      { ...fixtureReports[0]!, results: fixtureReports[0]!.results.filter((r) => r.name !== 'wire_bytes_per_call') },
      fixtureReports[1]!,
    ];
    expect(() => projectionInputs(without)).toThrow(/npm run bench -- mcp --only wire_bytes_per_call/);
  });

  test('`project` prints the formula, the inputs with their dates and the limits (what `erlmcp project` runs)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-project-'));
    try {
      const file = path.join(dir, 'results.json');
      fs.writeFileSync(file, JSON.stringify(resultSet(fixtureReports)));
      const out = execFileSync(
        process.execPath,
        [
          path.join(__dirname, '..', 'dist', 'run.js'),
          'project',
          '--connections',
          '500K',
          '--results',
          file,
          '--memory-gib',
          '10',
          '--fd-limit',
          '100000',
          '--headroom',
          '0.8',
        ],
        { encoding: 'utf8' },
      );
      expect(out).toMatch(/Scaling projection for 500,000 connections/);
      expect(out).toMatch(/memory per session\s+4000 B\s+mcp\/session_memory \(ours\), measured 2026-11-27/);
      expect(out).toMatch(/nodes\s+= max\(/);
      // 500,000 req/s / 18,000 per node = 28 nodes, bound by throughput.
      expect(out).toMatch(/= 28 \(bound by throughput\)/);
      expect(out).toMatch(/Where it stops being valid:/);
      const json = JSON.parse(
        execFileSync(
          process.execPath,
          [
            path.join(__dirname, '..', 'dist', 'run.js'),
            'project',
            '--connections',
            '500K',
            '--results',
            file,
            '--memory-gib',
            '10',
            '--fd-limit',
            '100000',
            '--headroom',
            '0.8',
            '--json',
          ],
          { encoding: 'utf8' },
        ),
      ) as { projection: { nodes: number } };
      expect(json.projection.nodes).toBe(28);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
