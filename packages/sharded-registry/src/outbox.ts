/**
 * What one thread has to tell shard processes (watch this holder, stop
 * watching it), and how it finds them. Notes for a process are queued and
 * sent in one cast when the thread next yields to its event loop, so a loop
 * of registrations costs one message per process, not one each.
 *
 * A process is found through its generation word (layout.ts): each
 * incarnation bumps it as it starts, so only a new generation costs a name
 * lookup. Every note's row was written before the generation is read: a
 * process that is not running, or newer than the one last resolved here,
 * reads the row from its table when it starts (it announces itself first).
 */
import { GenServer, NodeNotStartedError, whereis, type Pid } from '@erlmcp/otp';
import { generationWord } from './layout';
import type { ShardOp } from './shard';

export class Outbox {
  private queued = new Map<number, ShardOp[]>();
  private scheduled = false;
  /** Per (shard, scheduler) slot: the process last resolved, and the generation it was resolved at. */
  private readonly pids: (Pid | undefined)[];
  private readonly generations: Int32Array;

  constructor(
    private readonly ctl: Int32Array,
    private readonly maxShards: number,
    private readonly schedulers: number,
    /** The local name of shard `shard`'s process on `scheduler`. */
    private readonly nameOf: (shard: number, scheduler: number) => string,
  ) {
    this.pids = new Array<Pid | undefined>(maxShards * schedulers).fill(undefined);
    this.generations = new Int32Array(maxShards * schedulers);
  }

  /** Queues `op` for shard `shard`'s process on `scheduler`. */
  tell(shard: number, scheduler: number, op: ShardOp): void {
    const slot = shard * this.schedulers + scheduler;
    let ops = this.queued.get(slot);
    if (ops === undefined) this.queued.set(slot, (ops = []));
    ops.push(op);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Takes what is queued for shard `shard`'s process on `scheduler` (that process applies it itself). */
  drain(shard: number, scheduler: number): ShardOp[] {
    const slot = shard * this.schedulers + scheduler;
    const ops = this.queued.get(slot);
    if (ops === undefined) return [];
    this.queued.delete(slot);
    return ops;
  }

  /** Sends everything queued, one cast per process. */
  flush(): void {
    this.scheduled = false;
    if (this.queued.size === 0) return;
    const queued = this.queued;
    this.queued = new Map();
    try {
      for (const [slot, ops] of queued) {
        const pid = this.resolve(slot);
        if (pid !== undefined) GenServer.cast(pid, ops.length === 1 ? ops[0]! : { op: 'batch', ops });
      }
    } catch (error) {
      // The node stopped meanwhile: its shard processes are gone, and with them what they watched.
      if (!(error instanceof NodeNotStartedError)) throw error;
    }
  }

  /** The running process of a slot, or undefined if it is not running (never started, or restarting). */
  private resolve(slot: number): Pid | undefined {
    const shard = Math.floor(slot / this.schedulers);
    const scheduler = slot - shard * this.schedulers;
    const generation = Atomics.load(this.ctl, generationWord(this.maxShards, this.schedulers, shard, scheduler));
    if (generation === 0) return undefined;
    if (this.generations[slot] !== generation || this.pids[slot] === undefined) {
      const pid = whereis(this.nameOf(shard, scheduler));
      if (pid === undefined) return undefined;
      this.pids[slot] = pid;
      this.generations[slot] = generation;
    }
    return this.pids[slot];
  }
}
