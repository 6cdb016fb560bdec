/**
 * What a thread's lookup cache holds: the registration itself, with what
 * validates it kept in private fields (one object per name: a cache hit
 * reads nothing but it and two words of the control block).
 */
import type { Pid } from '@erlmcp/otp';
import { C_EPOCH, versionWord } from './layout';
import type { Registration } from './types';

export class CachedRegistration<M> implements Registration<M> {
  readonly pid: Pid;
  readonly meta: M | undefined;
  readonly #shard: number;
  readonly #version: number;
  readonly #epoch: number;

  constructor(pid: Pid, meta: M | undefined, shard: number, version: number, epoch: number) {
    this.pid = pid;
    this.meta = meta;
    this.#shard = shard;
    this.#version = version;
    this.#epoch = epoch;
  }

  /** The shard it was read from while its table and the placement are unchanged since, else -1. */
  shardIfFresh(ctl: Int32Array): number {
    const shard = this.#shard;
    return Atomics.load(ctl, C_EPOCH) === this.#epoch && Atomics.load(ctl, versionWord(shard)) === this.#version ? shard : -1;
  }
}
