/**
 * What the batcher process is told (its messages, listed in server.ts), and
 * what it needs from the handle that started it.
 */
import type { Pid } from '@erlmcp/otp';
import type { Wake } from './alarm';
import type { Batch } from './batch';
import type { EfficiencyStats } from './efficiency';
import type { Chunk, Entry } from './entry';
import type { Fifo } from './fifo';
import type { Settings } from './options';

/** What the process needs from the handle that started it. */
export interface Host {
  readonly settings: Settings<unknown, unknown>;
  readonly stats: EfficiencyStats;
  /** Called from init: this incarnation runs as `pid`; `started` holds its batches at the sink. */
  attach(pid: Pid, started: Fifo<Batch>): void;
}

/** An entry's signal fired: take it out of its batch if it was not sent yet. */
export class Cancel {
  constructor(readonly entry: Entry) {}
}

export type ServerMessage = Chunk | Cancel | Batch | Wake;
