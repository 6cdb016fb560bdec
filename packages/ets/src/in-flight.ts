/**
 * Arena blocks a stripe's writer holds between taking and linking them, or
 * between unlinking and freeing them. A chunk walk finds every record carved
 * from the stripe's chunks, but an arena block of its own (a chunk, an index
 * or order block, a record over MAX_SMALL_RECORD) is found only through what
 * links it. So each such block, while nothing links it, is named by a stripe
 * word (S_FRESH, S_OLD, S_DOOMED), and the arena writes and clears those words
 * inside its own critical section (`tryAllocInto`, `freeFrom`). If the writer
 * dies, `reclaimInFlight` frees whatever those words name and nothing links.
 */
import { FLAG_MASK, R_LINK, S_DOOMED, S_FRESH, S_OLD } from './layout';
import type { TableMemory } from './memory';

/**
 * Replaces the block `ctl[at]` points to by a new one of `bytes`, which `fill`
 * prepares before one store publishes it; then frees the old one. False (and
 * nothing changed) when the table is full.
 */
export function swapBlock(
  ctl: Int32Array,
  base: number,
  mem: TableMemory,
  at: number,
  bytes: number,
  fill: (block: number) => void,
): boolean {
  const fresh = mem.tryAllocInto(bytes, ctl, base + S_FRESH);
  if (fresh === null) return false;
  fill(fresh);
  const old = ctl[at]!;
  ctl[base + S_OLD] = old; // before the publish: from here on, one of the two is always named
  Atomics.store(ctl, at, fresh);
  ctl[base + S_FRESH] = 0;
  if (old !== 0) mem.freeFrom(ctl, base + S_OLD);
  return true;
}

/** What the repairing thread knows about the stripe's blocks (from its own walk). */
export interface Reachability {
  /** True for a block that something the stripe publishes links (index, order, chunk list, plan, published record). */
  linked(off: number): boolean;
  /** True for a block carved from the stripe's chunks (the chunk walk reclaims those itself). */
  inChunk(off: number): boolean;
  /** True for an offset that is a live arena block (so its words may be read). */
  liveArenaBlock(off: number): boolean;
}

/**
 * Frees the arena blocks a dead writer held unlinked. S_FRESH and S_OLD name
 * single blocks; S_DOOMED starts a chain of records (linked through R_LINK)
 * whose BIG records are freed unless still published. Each free goes through
 * `freeFrom`, so a repairer that dies here too leaves nothing freed twice.
 */
export function reclaimInFlight(ctl: Int32Array, base: number, mem: TableMemory, r: Reachability): void {
  for (const word of [S_FRESH, S_OLD]) {
    const off = ctl[base + word]!;
    if (off !== 0 && !r.linked(off) && !r.inChunk(off) && r.liveArenaBlock(off)) mem.freeFrom(ctl, base + word);
    else ctl[base + word] = 0;
  }
  const seen = new Set<number>();
  for (let cur = ctl[base + S_DOOMED]!; cur !== 0; cur = ctl[base + S_DOOMED]!) {
    const small = r.inChunk(cur);
    if (seen.has(cur) || (!small && !r.liveArenaBlock(cur))) {
      ctl[base + S_DOOMED] = 0; // not a chain the protocol leaves behind: stop rather than follow garbage
      break;
    }
    seen.add(cur);
    // A freed small block keeps its link word (free lists use words 0 and 1).
    const next = mem.i32[(cur >> 2) + R_LINK]! & ~FLAG_MASK;
    if (!small && !r.linked(cur)) mem.freeFrom(ctl, base + S_DOOMED, next);
    else ctl[base + S_DOOMED] = next;
  }
}
