/**
 * Which @erlmcp/ets table is each shard's now, for every thread.
 *
 * Compaction (compaction.ts) copies a shard's live records into a new,
 * tightly sized table and switches to it: the old table's buffers, grown
 * for records since deleted or moved to the cold form, cannot shrink (a
 * growable SharedArrayBuffer never does) and go with it. Other threads learn
 * of the switch without a message round trip:
 *
 * - `words[s]` is the id of shard s's table; every operation compares the
 *   ids with those of the tables this thread uses (a load per shard), and a
 *   switch is one store of the new id, so a compactor that dies before it
 *   switched nothing and one that dies after it switched completely;
 * - the new table's handle is posted on a BroadcastChannel named for this
 *   table before the id is stored, so a thread that sees the new id takes
 *   the handle with `receiveMessageOnPort`, synchronously;
 * - writers of a shard hold its gate (a robust reader-writer lock, shared by
 *   writers) and compaction holds it exclusively while it copies and
 *   switches, so no write lands in a table being copied. Readers take no
 *   gate: they read the old table until they see the switch (a read that
 *   races a switch returns what the table held when it began), and a read
 *   that meets the old table deleted refreshes and reads again.
 *
 * A write of several shards at once (insertNewMany, deleteAllObjects) is
 * atomic for single-key readers, as ets:insert_new with a list is: it takes
 * the gates of its shards exclusively (in shard order, so two batches cannot
 * deadlock), then makes each shard's batch sequence `batches[s]` odd, writes,
 * and makes them even again before letting the gates go. A reader of shard s
 * notes `batches[s]`, reads, and reads again if the sequence moved or was
 * odd (a seqlock over the shard): it sees the whole batch or none of it.
 * A reader that meets an odd sequence waits on the shard's gate (a robust
 * lock: a batch writer that died is taken over) and, holding it, makes a
 * sequence a dead writer left odd even.
 *
 * A thread that attaches a handle taken before a switch cannot receive the
 * posts it missed: `attach` refuses such a handle (take a fresh one).
 */
import { BadArgError, Ets, type Table, type TableHandle } from '@erlmcp/ets';
import { RwLock } from '@erlmcp/shm';
import { BroadcastChannel, receiveMessageOnPort } from 'node:worker_threads';

const MAX_READERS = 32;
/** The main thread waits this long for a shard being compacted before giving up (WaitTimeoutError). */
const GATE_TIMEOUT_MS = 30_000;

export interface DirectoryHandle {
  readonly words: SharedArrayBuffer;
  readonly gates: SharedArrayBuffer;
  /** One batch sequence per shard (odd while a multi-shard batch writes it). */
  readonly batches: SharedArrayBuffer;
  readonly channel: string;
  /** The shard table ids when the handle was taken. */
  readonly ids: number[];
}

interface SwitchPost {
  shard: number;
  id: number;
  handle: TableHandle;
}

/** How long a reader looks for a switch's post whose id it already sees (see refresh). */
const LATE_POST_WAIT_MS = 1000;

export class ShardDirectory {
  private readonly words: Int32Array;
  private readonly gateBuffer: SharedArrayBuffer;
  private readonly gates: RwLock[];
  /** @internal Per shard: odd while a multi-shard batch writes the shard (readers retry across a change). */
  readonly batchSeqs: Int32Array;
  /** The id of each shard table this thread uses. */
  private readonly ids: number[];
  private readonly channel: BroadcastChannel;

  constructor(
    private readonly shards: Table[],
    private readonly channelName: string,
    handle?: DirectoryHandle,
  ) {
    const n = shards.length;
    const gateWords = RwLock.wordsFor(MAX_READERS);
    // One id per shard, then the thread deaths the last reference audit accounted for.
    const words = handle?.words ?? new SharedArrayBuffer((n + 1) * 4);
    const gates = handle?.gates ?? new SharedArrayBuffer(n * gateWords * 4);
    this.words = new Int32Array(words);
    this.gateBuffer = gates;
    this.batchSeqs = new Int32Array(handle?.batches ?? new SharedArrayBuffer(n * 4));
    this.ids = shards.map((t) => t.id);
    const gateView = new Int32Array(gates);
    this.gates = shards.map(
      (_, s) => new RwLock(gateView, s * gateWords, { maxReaders: MAX_READERS, registry: Ets.registry }),
    );
    if (handle === undefined) {
      shards.forEach((t, s) => (this.words[s] = t.id));
      this.words[n] = Ets.registry.deaths;
    } else if (shards.some((_, s) => Atomics.load(this.words, s) !== handle.ids[s])) {
      throw new BadArgError('a handle taken before the table was compacted: take a fresh handle() and attach that');
    }
    this.channel = new BroadcastChannel(channelName);
    // The channel is only read synchronously; it must not keep the thread alive.
    (this.channel as unknown as { unref(): void }).unref();
  }

  handle(): DirectoryHandle {
    return {
      words: this.words.buffer as SharedArrayBuffer,
      gates: this.gateBuffer,
      batches: this.batchSeqs.buffer as SharedArrayBuffer,
      channel: this.channelName,
      ids: this.ids.slice(),
    };
  }

  /** Brings this thread's shard tables up to date (a load per shard when nothing moved). */
  sync(): void {
    const ids = this.ids;
    for (let s = 0; s < ids.length; s++) {
      if (Atomics.load(this.words, s) !== ids[s]) return this.refresh();
    }
  }

  /** Takes every posted switch and attaches the tables the directory names. */
  refresh(): void {
    this.takePosts();
    // A switch's post can reach this thread's channel a little after its id reaches the shared
    // directory (CI saw it once in a benchmark's reader thread): look again for a bounded time
    // before calling the table one this thread was never sent.
    const deadline = Date.now() + LATE_POST_WAIT_MS;
    for (let s = this.stale(); s >= 0; s = this.stale()) {
      if (this.takePosts()) continue;
      if (Date.now() > deadline)
        throw new BadArgError(`shard ${s}: the directory names a table this thread was never sent`);
    }
  }

  /** The first shard whose table the directory names differently from this thread, or -1. */
  private stale(): number {
    return this.ids.findIndex((id, s) => Atomics.load(this.words, s) !== id);
  }

  /** Attaches the tables of the switches posted so far; true if any post was taken. */
  private takePosts(): boolean {
    let took = false;
    for (
      let m = receiveMessageOnPort(this.channel as never);
      m !== undefined;
      m = receiveMessageOnPort(this.channel as never)
    ) {
      took = true;
      const post = m.message as SwitchPost;
      // Only the table the directory names now: a post of an older switch, or of one whose compactor died before naming it, is dropped.
      if (Atomics.load(this.words, post.shard) === post.id && this.ids[post.shard] !== post.id) {
        this.shards[post.shard] = Ets.attach(post.handle);
        this.ids[post.shard] = post.id;
      }
    }
    return took;
  }

  /** Runs a write on shard `s` holding its gate (shared with other writers). */
  writing<R>(s: number, fn: () => R): R {
    this.sync();
    return this.gates[s]!.withReadLock(() => {
      this.sync();
      return fn();
    }, GATE_TIMEOUT_MS);
  }

  /** Runs `fn` with shard `s`'s writers shut out (compaction). */
  exclusive<R>(s: number, fn: () => R): R {
    return this.gates[s]!.withWriteLock(() => {
      this.sync();
      return fn();
    }, GATE_TIMEOUT_MS);
  }

  /** Makes `table` shard `s`'s, for every thread (call inside `exclusive(s)`). */
  switchTo(s: number, table: Table): void {
    const post: SwitchPost = { shard: s, id: table.id, handle: table.handle() };
    this.channel.postMessage(post);
    Atomics.store(this.words, s, post.id);
    this.shards[s] = table;
    this.ids[s] = post.id;
  }

  /**
   * Whether a thread died (in `Ets.registry`: every otp scheduler, every
   * watched worker, every thread reaped after holding a lock) since the last
   * reference audit (see repair.ts): it may have died inside a write.
   */
  unaudited(): boolean {
    return Ets.registry.deaths !== Atomics.load(this.words, this.ids.length);
  }

  /** The death count to record once an audit is done (read before it starts). */
  deaths(): number {
    return Ets.registry.deaths;
  }

  audited(deaths: number): void {
    Atomics.store(this.words, this.ids.length, deaths);
  }

  /**
   * Runs `fn`, a write of every shard in `shards` (ascending), atomically for
   * readers: the shards' writers are shut out and their batch sequences odd
   * while it runs. `fn` must leave each shard whole or as it found it (it
   * undoes its own work on failure): readers see the state it returns in.
   */
  batch<R>(shards: readonly number[], fn: () => R): R {
    const step = (i: number): R => {
      if (i < shards.length) return this.exclusive(shards[i]!, () => step(i + 1));
      const seqs = this.batchSeqs;
      for (const s of shards) if ((Atomics.add(seqs, s, 1) & 1) !== 0) Atomics.add(seqs, s, 1); // left odd by a dead batch: now odd for this one
      try {
        return fn();
      } finally {
        for (const s of shards) Atomics.add(seqs, s, 1);
      }
    };
    return step(0);
  }

  /**
   * A reader met shard `s`'s batch sequence odd: waits for the batch writer
   * (on the shard's gate) and, if the writer died with the sequence odd,
   * makes it even. The reader then reads again.
   */
  awaitBatch(s: number): void {
    this.gates[s]!.withReadLock(() => {
      // Holding the gate, no batch of this shard runs: an odd sequence is a dead writer's.
      const seq = Atomics.load(this.batchSeqs, s);
      if ((seq & 1) !== 0) Atomics.compareExchange(this.batchSeqs, s, seq, seq + 1);
    }, GATE_TIMEOUT_MS);
    this.sync();
  }

  /** Runs `fn` with every shard's writers shut out (gates taken in shard order). */
  exclusiveAll<R>(fn: () => R): R {
    const step = (s: number): R => (s === this.gates.length ? fn() : this.exclusive(s, () => step(s + 1)));
    return step(0);
  }

  close(): void {
    this.channel.close();
  }
}
