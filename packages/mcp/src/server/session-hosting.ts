import { randomBytes } from 'node:crypto';
import type { McpTransportKind } from './telemetry';
import type { JsonLimits } from '../jsonrpc/json-limits';
import type { RequestId, SendFn } from '../jsonrpc/types';
import type { McpServerDefinition } from './definition';
import type { ServerSession, ServerSessionOptions } from './session';

/**
 * The seam between the server transports and whatever runs their sessions. The transports
 * (Streamable HTTP, WebSocket, hosted NDJSON) depend on these interfaces only; `SessionHost`
 * of `@erlmcp/mcp/hosting` implements them on the `@erlmcp/otp` runtime (each session a
 * process under a DynamicSupervisor). Hosting depends on the transports, never the other way.
 */

/**
 * The transport side of one hosted session, owned by whatever runs the session: it turns
 * transport input (an HTTP request, a WebSocket message, a line) into session input, and
 * the session's output into bytes on the right stream.
 */
export interface SessionChannel<M> {
  /** Given to the session as its only output. */
  readonly send: SendFn;
  /** Ends the stream carrying one request's answer (SSE polling); absent when there is none. */
  readonly closeRequestStream?: (requestId: RequestId) => void;
  /** Called with the session once it exists, before any input. */
  bind(session: ServerSession): void;
  /** One input, in the session's process. Returns 'stop' when the session should end (DELETE, socket gone). */
  handle(message: M): 'stop' | void;
  /** True while the client holds something open (an SSE stream, a socket): the session is not idle. */
  readonly busy: boolean;
  /** Ends every stream or socket; called once, when the session ends. */
  close(): void;
}

/** Session options a host passes to every session it starts. */
export type HostedSessionOptions = Omit<ServerSessionOptions, 'send' | 'id' | 'closeRequestStream'>;

/** What a server transport needs of the host that runs its sessions. */
export interface SessionHosting {
  /** The definition every session serves (stateless 2026-07-28 requests are served from it directly). */
  readonly definition: McpServerDefinition;
  /** Options of every session the host starts. */
  readonly sessionOptions: HostedSessionOptions;
  /** The sessions' JSON limits, which the Streamable HTTP front door also parses bodies with. */
  readonly jsonLimits: Readonly<Required<JsonLimits>>;
  /**
   * Starts a session for this channel; resolves with its id. Rejects with {@link SessionLimitError}
   * when full. `transport` names the caller for the `mcp:connection` telemetry event.
   */
  startSession<M>(channel: SessionChannel<M>, id?: string, transport?: McpTransportKind): Promise<string>;
  /** Hands transport input to a session, in order; false when no such session is alive. */
  deliver<M>(id: string, message: M): boolean;
  /** Asks a session to end (DELETE, a socket closed); false when it was not alive. */
  end(id: string): boolean;
  /** Whether a session with this id is alive. */
  has(id: string): boolean;
  /**
   * Calls `listener` with the id of every session that ends, however it ended (a session
   * killed outright runs no channel `close`: the transport closes its streams here).
   * Returns a function that stops the calls.
   */
  onSessionEnd(listener: (id: string) => void): () => void;
}

/** A host refused a session because it holds as many as it may (HTTP 503, WebSocket close 1013). */
export class SessionLimitError extends Error {
  override readonly name = 'SessionLimitError';
  constructor(
    readonly limit: number,
    options?: ErrorOptions,
  ) {
    super(`too many sessions: the host holds its limit of ${limit}`, options);
  }
}

/** 128 random bits from the OS CSPRNG, base64url: unguessable and header-safe. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}
