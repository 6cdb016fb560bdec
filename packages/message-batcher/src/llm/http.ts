/**
 * One JSON POST to a provider with Node's fetch: 429 (honouring Retry-After)
 * and 5xx and dropped connections are tried again with exponential backoff
 * and jitter, up to `retries` more times and never waiting past `maxBackoffMs`
 * at once; other statuses fail at once. The caller's signal and the
 * per-attempt timeout reach the request itself, and an abort is never retried.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LlmHttpError, LlmResponseError } from '../errors';

export interface RetryPolicy {
  /** More attempts after the first (default 3). */
  retries: number;
  /** First backoff, doubled each time (default 250 ms). */
  baseBackoffMs: number;
  /** No single wait longer than this, Retry-After included (default 10 s). */
  maxBackoffMs: number;
  /** Each attempt's own timeout (default 60 s). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseBackoffMs: 250, maxBackoffMs: 10_000, timeoutMs: 60_000 };

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryable(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<unknown> {
  const payload = JSON.stringify(body);
  let attempt = 0;
  for (;;) {
    attempt++;
    signal?.throwIfAborted();
    const attemptSignal =
      signal === undefined
        ? AbortSignal.timeout(policy.timeoutMs)
        : AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]);
    let status = 0;
    let detail: string;
    let wait: number | undefined;
    let cause: unknown;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
        signal: attemptSignal,
      });
      status = response.status;
      const text = await response.text();
      if (response.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          throw new LlmResponseError(
            `${url} answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
            { cause: error },
          );
        }
      }
      detail = text.slice(0, 200);
      wait = retryAfterMs(response.headers.get('retry-after'));
      if (!retryable(status)) throw new LlmHttpError(url, status, attempt, detail);
    } catch (error) {
      if (error instanceof LlmHttpError || error instanceof LlmResponseError) throw error;
      // The caller's abort ends it; our own per-attempt timeout and network failures are retried.
      if (signal?.aborted === true) throw signal.reason;
      cause = error;
      detail =
        error instanceof Error
          ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
          : String(error);
    }
    if (attempt > policy.retries)
      throw new LlmHttpError(url, status, attempt, detail, cause === undefined ? undefined : { cause });
    const backoff = policy.baseBackoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
    await delay(Math.min(policy.maxBackoffMs, Math.max(wait ?? 0, backoff)), undefined, { signal });
  }
}
