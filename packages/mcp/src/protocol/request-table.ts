import type { RequestId } from '../jsonrpc/types';

/**
 * Request id → value, for tables that almost always hold zero or one entry (the requests of a
 * session in flight, the stream each one answers on). The first entry lives in two fields and
 * a Map is made only for a second one, so a request costs no hash table, and an idle table is
 * a few words.
 */
export class RequestTable<V> {
  private soleKey: RequestId | undefined;
  private soleValue: V | undefined;
  private more: Map<RequestId, V> | undefined;

  get size(): number {
    return (this.soleKey === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  get(key: RequestId): V | undefined {
    if (key === this.soleKey) return this.soleValue;
    return this.more?.get(key);
  }

  has(key: RequestId): boolean {
    return key === this.soleKey || (this.more?.has(key) ?? false);
  }

  /** Adds or replaces the value of `key`. */
  set(key: RequestId, value: V): void {
    if (key === this.soleKey || (this.soleKey === undefined && this.more?.has(key) !== true)) {
      this.soleKey = key;
      this.soleValue = value;
      return;
    }
    (this.more ??= new Map()).set(key, value);
  }

  delete(key: RequestId): boolean {
    if (key === this.soleKey) {
      this.soleKey = undefined;
      this.soleValue = undefined;
      return true;
    }
    const more = this.more;
    if (more === undefined || !more.delete(key)) return false;
    if (more.size === 0) this.more = undefined;
    return true;
  }

  /** The values, each once per key; a snapshot, so the table may change while it is walked. */
  values(): V[] {
    const out: V[] = [];
    if (this.soleKey !== undefined) out.push(this.soleValue as V);
    if (this.more !== undefined) for (const value of this.more.values()) out.push(value);
    return out;
  }

  clear(): void {
    this.soleKey = undefined;
    this.soleValue = undefined;
    this.more = undefined;
  }
}
