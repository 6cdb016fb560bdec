/**
 * Options of an optimized table, their defaults, and their validation. Every
 * option is checked before anything is created, and an unknown or bad one is
 * an InvalidOptionError naming its field.
 */
import type { Access, HeirSpec, TableType } from '@erlmcp/ets';
import { isPid } from '@erlmcp/otp';
import { InvalidOptionError } from './errors';

/** The most shards a table may have (each is an @erlmcp/ets table with its own arena). */
export const MAX_SHARDS = 256;
export const DEFAULT_SHARDS = 16;
const MIN_SHARD_BYTES = 256 * 1024;
const MAX_SHARD_BYTES = 1 << 30;

export interface HotColdOptions {
  /** Reads of a cold key (counted in a shared sketch) that promote it to hot. Default 2. */
  promoteAfter?: number;
  /** Maintenance passes a hot key may go unread before it is demoted. Default 2. */
  demoteAfterPasses?: number;
}

export interface DedupOptions {
  /** Strings and binaries of at least this many bytes, seen twice, go to the shared store. Default 96. */
  minBytes?: number;
  /** Strings up to this many UTF-16 units, seen twice, are interned in the table's dictionary. Default 48. */
  internMaxLength?: number;
  /** Most strings the dictionary holds. Default 65536. */
  maxDictionary?: number;
}

export interface CompressionOptions {
  /** zlib level, 1..9. Default 6. */
  level?: number;
  /** Bytes of the dictionary trained on the table's records, 0..32768 (0: none). Default 16384. */
  dictionaryBytes?: number;
}

export interface CompactionOptions {
  /** A shard is compacted by maintenance when free bytes exceed this fraction of its capacity. Default 0.5. */
  threshold?: number;
}

export interface OptimizedTableOptions {
  /** As @erlmcp/ets. Default 'set'. bag and duplicate_bag tables are sharded but always hot (stored as a plain table stores them). */
  type?: TableType;
  /** As @erlmcp/ets. Default 'protected'. */
  access?: Access;
  named?: boolean;
  keyPos?: number;
  heir?: HeirSpec | 'none';
  /** Shards (each an @erlmcp/ets table), 1..256. Default 16. */
  shards?: number;
  /** Largest size of one shard's arena. Default 256 MiB. */
  shardBytes?: number;
  /** Hot objects stored as a plain table stores them, cold ones compact. Default true. */
  hotCold?: boolean | HotColdOptions;
  /** Shared store of large strings and binaries, dictionary of small ones. Default true. */
  dedup?: boolean | DedupOptions;
  /** Cold records compressed with a dictionary trained on the table's records. Default true. */
  compression?: boolean | CompressionOptions;
  /** Compaction policy of the maintenance pass. Default true. */
  compaction?: boolean | CompactionOptions;
}

export interface ResolvedOptions {
  type: TableType;
  access: Access;
  named: boolean;
  keyPos: number;
  heir: HeirSpec | 'none' | undefined;
  shards: number;
  shardBytes: number;
  hotCold: Required<HotColdOptions> | null;
  dedup: Required<DedupOptions> | null;
  compression: Required<CompressionOptions> | null;
  compaction: Required<CompactionOptions> | null;
}

const TOP = [
  'type',
  'access',
  'named',
  'keyPos',
  'heir',
  'shards',
  'shardBytes',
  'hotCold',
  'dedup',
  'compression',
  'compaction',
];
const TYPES: readonly TableType[] = ['set', 'ordered_set', 'bag', 'duplicate_bag'];
const ACCESSES: readonly Access[] = ['public', 'protected', 'private'];

function integer(field: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(field, `must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

function fraction(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value <= 1))
    throw new InvalidOptionError(field, `must be a number in (0, 1], got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  /* eslint-disable @typescript-eslint/no-base-to-string -- strings and objects are handled first; the rest prints as itself */
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'object'
      ? value === null
        ? 'null'
        : 'an object'
      : String(value);
  /* eslint-enable @typescript-eslint/no-base-to-string */
}

function onlyKnown(field: string, value: object, known: readonly string[]): void {
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) throw new InvalidOptionError(field === '' ? k : `${field}.${k}`, 'unknown option');
  }
}

/** `true`/`undefined` → the defaults, `false` → null, an object → its checked fields. */
function group<T extends object>(
  field: string,
  value: unknown,
  known: readonly string[],
  resolve: (o: Partial<T>) => Required<T>,
): Required<T> | null {
  if (value === false) return null;
  if (value === undefined || value === true) return resolve({});
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidOptionError(field, `must be a boolean or an object, got ${describe(value)}`);
  onlyKnown(field, value, known);
  return resolve(value as Partial<T>);
}

export function resolveOptions(name: unknown, options: unknown): ResolvedOptions {
  if (typeof name !== 'string' || name.length === 0)
    throw new InvalidOptionError('name', 'a table name is a non-empty string');
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new InvalidOptionError('options', 'must be an object');
  onlyKnown('', options, TOP);
  const o = options as OptimizedTableOptions;
  const type = o.type ?? 'set';
  if (!TYPES.includes(type))
    throw new InvalidOptionError('type', `must be one of ${TYPES.join(', ')}, got ${describe(type)}`);
  const access = o.access ?? 'protected';
  if (!ACCESSES.includes(access))
    throw new InvalidOptionError('access', `must be one of ${ACCESSES.join(', ')}, got ${describe(access)}`);
  if (o.named !== undefined && typeof o.named !== 'boolean')
    throw new InvalidOptionError('named', `must be a boolean, got ${describe(o.named)}`);
  if (
    o.heir !== undefined &&
    o.heir !== 'none' &&
    (o.heir === null || typeof o.heir !== 'object' || !isPid(o.heir.pid))
  ) {
    throw new InvalidOptionError('heir', "must be 'none' or { pid, data? }");
  }
  const bag = type === 'bag' || type === 'duplicate_bag';
  return {
    type,
    access,
    named: o.named === true,
    keyPos: integer('keyPos', o.keyPos, 1, 1 << 20, 1),
    heir: o.heir,
    shards: integer('shards', o.shards, 1, MAX_SHARDS, DEFAULT_SHARDS),
    shardBytes: integer('shardBytes', o.shardBytes, MIN_SHARD_BYTES, MAX_SHARD_BYTES, 256 * 1024 * 1024),
    hotCold: bag
      ? null
      : group<HotColdOptions>('hotCold', o.hotCold, ['promoteAfter', 'demoteAfterPasses'], (h) => ({
          promoteAfter: integer('hotCold.promoteAfter', h.promoteAfter, 1, 255, 2),
          demoteAfterPasses: integer('hotCold.demoteAfterPasses', h.demoteAfterPasses, 1, 1 << 16, 2),
        })),
    dedup: group<DedupOptions>('dedup', o.dedup, ['minBytes', 'internMaxLength', 'maxDictionary'], (d) => ({
      minBytes: integer('dedup.minBytes', d.minBytes, 16, 1 << 24, 96),
      internMaxLength: integer('dedup.internMaxLength', d.internMaxLength, 0, 1024, 48),
      maxDictionary: integer('dedup.maxDictionary', d.maxDictionary, 0, 1 << 22, 65536),
    })),
    compression: group<CompressionOptions>('compression', o.compression, ['level', 'dictionaryBytes'], (c) => ({
      level: integer('compression.level', c.level, 1, 9, 6),
      dictionaryBytes: integer('compression.dictionaryBytes', c.dictionaryBytes, 0, 32768, 16384),
    })),
    compaction: group<CompactionOptions>('compaction', o.compaction, ['threshold'], (c) => ({
      threshold: fraction('compaction.threshold', c.threshold, 0.5),
    })),
  };
}
