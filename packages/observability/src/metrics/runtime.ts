/**
 * The otp runtime's families: processes, exits, restarts, schedulers (run queues,
 * utilisation, messages), mailboxes, ETS tables and memory. Events come from the node's
 * bus; the rest is read from the stats functions when Prometheus scrapes.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Ets } from '@erlmcp/ets';
import { allProcesses, type Pid, processInfo, registered, schedulers, whereis, type Node } from '@erlmcp/otp';
import { Counter, Gauge, type Registry } from 'prom-client';
import { exitClass } from './labels';

/** The memory this process may use: its cgroup's limit when it has one, else the machine's. */
export function memoryLimitBytes(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      // cgroup v1 says "no limit" with a huge number, v2 with "max" (NaN here).
      if (Number.isFinite(value) && value > 0 && value < totalmem()) return value;
    } catch {
      // not on this system
    }
  }
  return totalmem();
}

/**
 * A supervisor's registered name. One on a worker scheduler (its restart event was forwarded)
 * is not in this thread's process table: its name is found in the node's shared names.
 */
function supervisorName(pid: Pid): string {
  const local = processInfo(pid);
  if (local !== undefined) return local.name ?? 'unnamed';
  return registered().find((name) => whereis(name)?.id === pid.id) ?? 'unnamed';
}

/** Subscribes to `node.events` and registers the runtime's families; returns the unsubscriber. */
export function runtimeFamilies(node: Node, registers: Registry[]): () => void {
  const spawns = new Counter({
    name: 'erlmcp_process_spawns_total',
    help: 'Processes spawned on every scheduler (worker schedulers forward their events), by behaviour.',
    labelNames: ['behaviour'],
    registers,
  });
  const exits = new Counter({
    name: 'erlmcp_process_exits_total',
    help: 'Processes ended on every scheduler, by how they ended (normal, shutdown, killed, crash).',
    labelNames: ['reason'],
    registers,
  });
  const restarts = new Counter({
    name: 'erlmcp_supervisor_restarts_total',
    help: 'Children restarted by supervisors, by supervisor (registered name or "unnamed").',
    labelNames: ['supervisor'],
    registers,
  });
  const intensity = new Counter({
    name: 'erlmcp_supervisor_intensity_exceeded_total',
    help: 'Supervisors that exceeded their restart intensity and shut down.',
    registers,
  });
  const schedulerDowns = new Counter({
    name: 'erlmcp_scheduler_down_total',
    help: 'Scheduler threads that died and were replaced.',
    registers,
  });

  const onSpawn = (e: { behaviour: string }): void => spawns.inc({ behaviour: e.behaviour });
  const onExit = (e: { reason: Parameters<typeof exitClass>[0] }): void => exits.inc({ reason: exitClass(e.reason) });
  const onRestart = (e: { supervisor: Pid }): void => restarts.inc({ supervisor: supervisorName(e.supervisor) });
  const onIntensity = (): void => intensity.inc();
  const onDown = (): void => schedulerDowns.inc();
  node.events.on('spawn', onSpawn);
  node.events.on('exit', onExit);
  node.events.on('restart', onRestart);
  node.events.on('intensity', onIntensity);
  node.events.on('scheduler_down', onDown);

  // Scheduler message counters are published modulo 2^32: the deltas are summed here.
  const lastMessages = new Map<number, number>();
  let messageTotals = new Map<number, number>();
  new Counter({
    name: 'erlmcp_scheduler_messages_total',
    help: 'Messages handled by the processes of each scheduler (published by the scheduler every 100 ms).',
    labelNames: ['scheduler'],
    registers,
    collect() {
      const next = new Map<number, number>();
      for (const s of schedulers()) {
        const previous = lastMessages.get(s.scheduler);
        const delta = previous === undefined ? s.messages : (s.messages - previous + 2 ** 32) % 2 ** 32;
        lastMessages.set(s.scheduler, s.messages);
        next.set(s.scheduler, (messageTotals.get(s.scheduler) ?? 0) + delta);
      }
      messageTotals = next;
      this.reset();
      for (const [scheduler, total] of messageTotals) this.inc({ scheduler: String(scheduler) }, total);
    },
  });
  const perScheduler = (
    name: string,
    help: string,
    read: (s: ReturnType<typeof schedulers>[number]) => number,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['scheduler'],
      registers,
      collect() {
        this.reset();
        for (const s of schedulers()) this.set({ scheduler: String(s.scheduler) }, read(s));
      },
    });
  };
  perScheduler('erlmcp_scheduler_run_queue_length', 'Runnable processes waiting on each scheduler.', (s) => s.runQueue);
  perScheduler(
    'erlmcp_scheduler_utilisation_ratio',
    "Event-loop utilisation of each scheduler's thread over its last 100 ms, 0 to 1.",
    (s) => s.utilisation,
  );
  perScheduler('erlmcp_scheduler_up', 'Whether each scheduler thread is alive (1) or not (0).', (s) =>
    s.alive ? 1 : 0,
  );
  perScheduler('erlmcp_processes', 'Live processes on each scheduler.', (s) => s.processes);
  new Gauge({
    name: 'erlmcp_process_message_queue_messages',
    help: 'Messages waiting in mailboxes: the sum and the longest, over the processes of every scheduler.',
    labelNames: ['stat'],
    registers,
    async collect() {
      let sum = 0;
      let max = 0;
      for (const p of await allProcesses()) {
        sum += p.messageQueueLen;
        if (p.messageQueueLen > max) max = p.messageQueueLen;
      }
      this.set({ stat: 'sum' }, sum);
      this.set({ stat: 'max' }, max);
    },
  });

  const perTable = (
    name: string,
    help: string,
    read: (info: ReturnType<ReturnType<typeof Ets.all>[number]['info']>) => number,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['table'],
      registers,
      collect() {
        this.reset();
        for (const table of Ets.all()) {
          try {
            const info = table.info();
            this.set({ table: info.name }, read(info));
          } catch {
            // deleted by another thread between all() and info()
          }
        }
      },
    });
  };
  perTable(
    'erlmcp_ets_table_objects',
    'Objects stored in each ETS table this thread created or attached.',
    (i) => i.size,
  );
  perTable('erlmcp_ets_table_memory_bytes', 'Bytes in use by each ETS table (records and indexes).', (i) => i.memory);
  perTable('erlmcp_ets_table_capacity_bytes', 'SharedArrayBuffer bytes reserved by each ETS table.', (i) => i.capacity);
  perTable(
    'erlmcp_ets_table_max_bytes',
    'The most bytes each ETS table may reserve (its maxBytes).',
    (i) => i.maxBytes,
  );

  new Gauge({
    name: 'erlmcp_array_buffers_bytes',
    help: 'Bytes of ArrayBuffers and SharedArrayBuffers held by this process (process.memoryUsage().arrayBuffers).',
    registers,
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });
  new Gauge({
    name: 'erlmcp_memory_limit_bytes',
    help: "The memory this process may use: its cgroup's limit, else the machine's total.",
    registers,
    collect() {
      this.set(memoryLimitBytes());
    },
  });
  new Gauge({
    name: 'erlmcp_heap_limit_bytes',
    help: "V8's heap size limit (--max-old-space-size and the young generation).",
    registers,
    collect() {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
  new Gauge({
    name: 'erlmcp_heap_used_bytes',
    help: "V8's used heap, all spaces.",
    registers,
    collect() {
      this.set(getHeapStatistics().used_heap_size);
    },
  });

  return () => {
    node.events.off('spawn', onSpawn);
    node.events.off('exit', onExit);
    node.events.off('restart', onRestart);
    node.events.off('intensity', onIntensity);
    node.events.off('scheduler_down', onDown);
  };
}
