import type { ServerResponse } from 'node:http';

/** A plain-text answer no cache keeps: the routes' refusals and errors. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
    .end(text);
}
