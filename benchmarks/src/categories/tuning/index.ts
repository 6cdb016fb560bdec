import path from 'node:path';
import type { Category } from '../../harness/types';
import { allocationLoad, connectionLoad, heapLimit, schedulerLoad, threadPoolLoad } from './workloads';

/**
 * The runtime tuning profile, measured: each row runs the same workload under the default
 * runtime (the peer column) and under one tuned setting (ours), in the same run. Its ratio
 * is what that one setting is worth here; benchmarks/README.md turns the rows into a
 * profile for 100K connections.
 *
 * The default side runs with no flags but --expose-gc (not the harness's usual
 * --max-old-space-size=4096), so "default" means what `node` does unconfigured.
 */
export const tuning: Category = {
  name: 'tuning',
  peer: 'the default runtime',
  readme: path.resolve(__dirname, '../../../README.md'),
  scenarios: [
    {
      name: 'heap_limit_8g',
      unit: 'bytes (V8 heap limit)',
      peerLabel: 'no --max-old-space-size',
      size: { full: 1, smoke: 1 },
      runtime: { ours: { execArgv: ['--max-old-space-size=8192'] }, peer: { execArgv: [] } },
      ours: heapLimit,
      peer: heapLimit,
      note: (ours, peer) =>
        `--max-old-space-size=8192: V8's old-space limit ${(ours / 2 ** 30).toFixed(2)} GiB against ${(peer / 2 ** 30).toFixed(2)} GiB by default`,
    },
    {
      name: 'semi_space_64m',
      unit: 'requests/s',
      peerLabel: 'no --max-semi-space-size',
      size: { full: 2_000_000, smoke: 20_000 },
      runtime: { ours: { execArgv: ['--max-semi-space-size=64'] }, peer: { execArgv: [] } },
      ours: allocationLoad,
      peer: allocationLoad,
      note: (_o, _p, o, p) =>
        `--max-semi-space-size=64 (MiB): ${o.scavenges} scavenges (${(o.scavengeMs ?? 0).toFixed(0)} ms) against ${p.scavenges} (${(p.scavengeMs ?? 0).toFixed(0)} ms) by default; mark-sweeps ${o.markSweeps} against ${p.markSweeps}`,
    },
    {
      name: 'threadpool_16',
      unit: 'tasks/s',
      peerLabel: 'UV_THREADPOOL_SIZE unset (4)',
      size: { full: 20_000, smoke: 200 },
      runtime: { ours: { execArgv: [], env: { UV_THREADPOOL_SIZE: '16' } }, peer: { execArgv: [] } },
      ours: threadPoolLoad,
      peer: threadPoolLoad,
      note: () =>
        'UV_THREADPOOL_SIZE=16: 64 concurrent pbkdf2 + file read + gzip tasks (the thread pool is all they use)',
    },
    {
      name: 'schedulers_per_core',
      unit: 'calls/s',
      peerLabel: 'schedulers: 1',
      size: { full: 2_000, smoke: 20 },
      runtime: { ours: { execArgv: [] }, peer: { execArgv: [] } },
      ours: (size) => schedulerLoad(size, 'auto'),
      peer: (size) => schedulerLoad(size, 1),
      note: () =>
        "Node.start({ schedulers: 'auto' }) (the default: one per core) against one scheduler, one CPU-bound server per core",
    },
    {
      name: 'schedulers_oversubscribed',
      unit: 'calls/s',
      peerLabel: "schedulers: 'auto' (one per core)",
      size: { full: 2_000, smoke: 20 },
      runtime: { ours: { execArgv: [] }, peer: { execArgv: [] } },
      ours: (size) => schedulerLoad(size, 8),
      peer: (size) => schedulerLoad(size, 'auto'),
      note: () => '8 schedulers on this machine against one per core, the same servers',
    },
    {
      name: 'open_files_hard_limit',
      unit: 'connections held',
      peerLabel: 'ulimit -n 1024',
      size: { full: 8_000, smoke: 600 },
      runtime: { ours: { execArgv: [] }, peer: { execArgv: [] } },
      ours: (size) => connectionLoad(size, 'hard'),
      peer: (size) => connectionLoad(size, 1024),
      note: (_o, _p, o, p) =>
        `loopback connections opened until one fails: soft limit raised to the hard limit (${o.openFileLimit}) against the common default of ${p.openFileLimit}`,
    },
  ],
};
