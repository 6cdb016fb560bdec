import type { IncomingMessage } from 'node:http';
import type { BodyDeadlines } from './body-deadlines';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body up to `limit` bytes and calls `onBody` with its text, or `onError`
 * (a {@link BodyTooLargeError} as soon as the body is seen to be too large, a
 * `BodyTimeoutError` when `deadlines` cut it off). Callbacks, not a promise: this runs for
 * every POST, and most bodies arrive in one chunk.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  onBody: (text: string) => void,
  onError: (error: Error) => void,
  deadlines?: BodyDeadlines,
): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    onError(new BodyTooLargeError(limit));
    return;
  }
  let first: Buffer | undefined;
  let rest: Buffer[] | undefined;
  let size = 0;
  let failed = false;
  // Too slow: stop reading; the caller answers 408 and closes the connection.
  const watch = deadlines?.watch(req, (error) => {
    if (failed) return;
    failed = true;
    req.off('data', onData);
    onError(error);
  });
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      failed = true;
      deadlines?.unwatch(watch);
      req.off('data', onData);
      // Drain what remains so the connection can carry the 413.
      req.resume();
      onError(new BodyTooLargeError(limit));
      return;
    }
    if (first === undefined) first = chunk;
    else (rest ??= [first]).push(chunk);
  };
  req.on('data', onData);
  // `on`, not `once`: a stream emits each of these at most once, and once() wraps every listener.
  req.on('end', () => {
    if (failed) return;
    deadlines?.unwatch(watch);
    const body = rest !== undefined ? Buffer.concat(rest) : first;
    onBody(body === undefined ? '' : body.toString('utf8'));
  });
  // A client that goes away mid-body: its socket is gone, and with it the response.
  req.on('error', (error) => {
    if (failed) return;
    failed = true;
    deadlines?.unwatch(watch);
    onError(error);
  });
}
