/**
 * A virtual user's MCP session, over one transport. `open` initializes it (initialize, then
 * notifications/initialized); `send` resolves with the JSON-RPC answer to one request, which
 * the caller checks. A transport failure (a status not 200, a closed socket) rejects.
 */
import type { OutgoingRequest } from './protocol';

export interface VuSession {
  readonly vu: number;
  /** initialize + notifications/initialized; resolves with the initialize answer, checked. */
  open(): Promise<void>;
  send(request: OutgoingRequest): Promise<unknown>;
  close(): Promise<void>;
}

/** A status, a body or a frame the transport could not take as an answer. */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    message: string,
    readonly cause_: 'status' | 'transport' | 'mismatch',
  ) {
    super(message);
  }
}

/** Loopback source addresses, so more connections than one address's ephemeral ports can be open. */
export function sourceAddress(index: number, addresses: number): string | undefined {
  if (addresses <= 1) return undefined;
  return `127.0.0.${1 + (index % addresses)}`;
}

/**
 * Answers of multiplexed transports (WebSocket, TCP) matched to their requests by id. An
 * answer whose id no request waits for is reported to `onStray` (a mismatch).
 */
export class PendingAnswers {
  private readonly waiting = new Map<number, { resolve(answer: unknown): void; reject(error: Error): void }>();
  /** Requests given up on (timed out): their answer, if it comes, is late, not a stray. */
  private readonly abandoned = new Set<number>();

  constructor(
    private readonly onStray: (answer: unknown) => void,
    private readonly onLate: () => void = () => undefined,
  ) {}

  expect(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  deliver(text: string): void {
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      this.onStray(text);
      return;
    }
    const id = (answer as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') {
      // A notification (no id) is not an answer; anything else is.
      if ((answer as { method?: unknown } | null)?.method === undefined) this.onStray(answer);
      return;
    }
    const w = this.waiting.get(id);
    if (w === undefined) {
      if (this.abandoned.delete(id)) this.onLate();
      else this.onStray(answer);
    } else {
      this.waiting.delete(id);
      w.resolve(answer);
    }
  }

  failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  forget(id: number): void {
    if (this.waiting.delete(id)) this.abandoned.add(id);
  }
}
