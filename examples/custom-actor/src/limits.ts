import type { RateLimiterDef } from './rate-limiter';

type Bucket = { tokens: number; capacity: number };

/**
 * A token bucket shared by every key: `capacity` requests, one token back per tick. A key
 * that is not a string is a bug in the caller, and a bug crashes the limiter (its supervisor
 * restarts it with a full bucket).
 */
export const limits: RateLimiterDef<Bucket, { capacity: number }> = {
  name: 'upstream',
  tickMs: 1000,
  init: ({ capacity }) => ({ tokens: capacity, capacity }),
  admit(key, bucket) {
    if (typeof key !== 'string') throw new TypeError(`a rate-limit key must be a string, got ${typeof key}`);
    if (bucket.tokens === 0) return { allowed: false, state: bucket };
    return { allowed: true, state: { ...bucket, tokens: bucket.tokens - 1 } };
  },
  refill: (bucket) => ({ ...bucket, tokens: Math.min(bucket.capacity, bucket.tokens + 1) }),
};
