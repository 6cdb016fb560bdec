import { InvalidParamsError } from '../jsonrpc/errors';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * Cursors are opaque to clients; ours encode an offset into the list. A list that changes
 * between pages may shift items, which the spec permits (list_changed tells the client).
 */
export function paginate<T>(items: readonly T[], cursor: string | undefined, pageSize: number): Page<T> {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  const end = offset + pageSize;
  const page: Page<T> = { items: items.slice(offset, end) };
  if (end < items.length) page.nextCursor = encodeCursor(end);
  return page;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && 'o' in value) {
      const offset = value.o;
      if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
    }
  } catch {
    // fall through to the typed error below
  }
  throw new InvalidParamsError('Invalid cursor');
}
