/**
 * Memory per process, for registered processes: the label set is the names the application
 * registered (bounded by it, never a pid), capped at MAX_NAMED_PROCESSES. Each scrape asks
 * each process's scheduler for its info, which walks its state and mailbox (otp's
 * process-memory.ts): an unregistered process, a session say, is in no series.
 */
import { processInfoAsync, registered } from '@erlmcp/otp';
import { Gauge, type Registry } from 'prom-client';

/** Registered processes measured at most, the first by name. */
export const MAX_NAMED_PROCESSES = 100;

export function processFamilies(registers: Registry[]): void {
  new Gauge({
    name: 'erlmcp_process_memory_bytes',
    help: `Bytes of a registered process's state and mailbox (processInfo's memory: its values walked and counted), by registered name; the first ${MAX_NAMED_PROCESSES} names.`,
    labelNames: ['name'],
    registers,
    async collect() {
      this.reset();
      const names = registered().sort().slice(0, MAX_NAMED_PROCESSES);
      const infos = await Promise.all(names.map((name) => processInfoAsync(name).catch(() => undefined)));
      infos.forEach((info, i) => {
        if (info?.memory !== null && info?.memory !== undefined) this.set({ name: names[i]! }, info.memory);
      });
    },
  });
}
