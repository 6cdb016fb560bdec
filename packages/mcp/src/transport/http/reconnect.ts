/** How a Streamable HTTP client reconnects a broken SSE stream. */
export interface ReconnectOptions {
  /** Failed reconnection attempts in a row before the stream is given up. Default 5. */
  maxRetries?: number;
  /** Wait before the first attempt when the server sent no `retry:` (ms). Default 1000. */
  initialDelayMs?: number;
  /** Longest wait between attempts (ms), unless the server's `retry:` asks for more. Default 30000. */
  maxDelayMs?: number;
  /** Each failed attempt multiplies the wait by this. Default 1.5. */
  growFactor?: number;
}

export type ReconnectPolicy = Required<ReconnectOptions>;

export function reconnectPolicy(options: ReconnectOptions = {}): ReconnectPolicy {
  return {
    maxRetries: options.maxRetries ?? 5,
    initialDelayMs: options.initialDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    growFactor: options.growFactor ?? 1.5,
  };
}

/**
 * The wait before reconnection attempt `attempt` (0 for the first after a break). The
 * server's `retry:` is the base and also the least wait (the spec says a client MUST respect
 * it); failed attempts back off from there, up to maxDelayMs.
 */
export function reconnectDelay(attempt: number, serverRetryMs: number | undefined, policy: ReconnectPolicy): number {
  const base = serverRetryMs ?? policy.initialDelayMs;
  const backedOff = Math.min(base * policy.growFactor ** attempt, policy.maxDelayMs);
  return serverRetryMs === undefined ? backedOff : Math.max(serverRetryMs, backedOff);
}

/** Resolves after `ms`, or at once when `signal` aborts (with false). */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
