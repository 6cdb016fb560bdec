import type { RequestId } from '../jsonrpc/types';
import type { RequestOptions } from '../protocol/peer';
import type { ProtocolVersion } from '../protocol/versions';
import type { Implementation, Meta } from '../types/base';
import type { ElicitParams, ElicitResult } from '../types/elicitation';
import type { ClientCapabilities } from '../types/lifecycle';
import type { LoggingLevel } from '../types/logging';
import type { ListRootsResult } from '../types/roots';
import type { InputRequests, InputRequiredResult } from '../types/input-requests';
import type { ModernRequestMeta } from './modern';
import type { CreateMessageParams, CreateMessageResult } from '../types/sampling';
import type { HandleScope } from './handles';
import type { CreateTaskResult } from '../types/tasks';
import type { TaskHandle } from './tasks';
import type { TraceContext } from './trace-context';

/**
 * What {@link RequestContext.ask} settles with: the client's answers, keyed as asked, or (on
 * the first attempt of a 2026-07-28 request) the input_required result the handler returns.
 */
export type AskOutcome =
  | { readonly status: 'answered'; readonly responses: Readonly<Record<string, unknown>> }
  | { readonly status: 'input_required'; readonly result: InputRequiredResult };

/** What a handler may know about, and ask of, the client on the other end of its session. */
export interface ServerSessionHandle {
  readonly id: string;
  readonly protocolVersion: ProtocolVersion | undefined;
  readonly clientInfo: Implementation | undefined;
  readonly clientCapabilities: ClientCapabilities | undefined;
  /** sampling/createMessage; needs the client's `sampling` capability. */
  createMessage(params: CreateMessageParams, options?: RequestOptions): Promise<CreateMessageResult>;
  /** elicitation/create; needs the client's `elicitation` capability (and `url` for URL mode). */
  elicit(params: ElicitParams, options?: RequestOptions): Promise<ElicitResult>;
  /** roots/list; needs the client's `roots` capability. */
  listRoots(options?: RequestOptions): Promise<ListRootsResult>;
  ping(options?: RequestOptions): Promise<void>;
  /** notifications/message, when `level` passes the level the client set. */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
}

/** The second argument of every server handler. */
export interface RequestContext {
  readonly requestId: RequestId;
  readonly method: string;
  /** Aborted when the client cancels the request or the session closes; the response is then dropped. */
  readonly signal: AbortSignal;
  /** The request's `_meta`, if it had one. */
  readonly meta: Meta | undefined;
  /**
   * For a stateless 2026-07-28 request: its protocol version, client capabilities, client
   * info and log level, read from `_meta`. Undefined for a request on a 2025-style session.
   */
  readonly modern?: ModernRequestMeta;
  /**
   * On the retry of a multi round-trip tools/call (2026-07-28): the client's answers, keyed as
   * the handler asked. Undefined on a first attempt and on 2025 sessions.
   */
  readonly inputResponses?: Readonly<Record<string, unknown>>;
  /** On such a retry: the `state` the handler passed to {@link inputRequired}, verified and unexpired. */
  readonly requestState?: unknown;
  /**
   * The result that asks a 2026-07-28 client for input (elicitation, sampling, roots) and to
   * retry the call with the answers; `state` comes back as {@link requestState}, signed so
   * that the client cannot alter it. Throws MissingRequiredClientCapabilityError (-32021) when
   * the request did not declare the capability a question needs, and SessionStateError on a
   * 2025 session (use `ctx.session.elicit` and the others there). tools/call, prompts/get and
   * resources/read only.
   */
  inputRequired?(requests: InputRequests, state?: unknown): InputRequiredResult;
  readonly session: ServerSessionHandle;
  /**
   * The W3C trace context of the request's `_meta` (`traceparent`, `tracestate`, `baggage`),
   * checked; undefined when it carried none or an invalid traceparent.
   */
  readonly trace: TraceContext | undefined;
  /**
   * Server-minted handles for state that spans requests, bound to this request's principal
   * (see the README: an `Authorization` header's hash on HTTP, the connection elsewhere).
   */
  readonly handles: HandleScope;
  /** Set when the handler runs as a task of the tasks extension (`io.modelcontextprotocol/tasks`). */
  readonly task?: TaskHandle;
  /**
   * Asks the client, in whichever way the request's era allows, so a tool written once works
   * on both: on a 2025 session it sends `elicitation/create`, `sampling/createMessage` or
   * `roots/list` and waits for the answers; on a 2026-07-28 request it settles with the
   * retry's `inputResponses` when they answer every key, and otherwise with the
   * `input_required` result to return (`state` comes back as {@link requestState}); in a task
   * it moves the task to `input_required` until `tasks/update` answers. Errors as the
   * underlying calls (-32021 for a capability the request did not declare).
   */
  ask(requests: InputRequests, state?: unknown): Promise<AskOutcome>;
  /**
   * Runs `work` as a task of the tasks extension when this tools/call may become one (a 2026-07-28
   * request declaring `io.modelcontextprotocol/tasks`, to a tool with a `task` option, not
   * already in a task): the task is made, `work` runs in it with the task's `ctx` (its signal,
   * `progress` as its statusMessage, `ask` through `tasks/update`; answers already gathered by
   * multi round-trip are known to it), and the promise settles at once with the
   * `CreateTaskResult` for the handler to return. Anywhere else (a 2025 session, a request
   * without the extension, a handler already in a task, an `optional` tool whose client has
   * no room for another task) `work` runs inline with this `ctx` and the promise settles with
   * its result. A `required` tool whose client has no room: -32603. See the tool option
   * `taskStart: 'handler'`.
   */
  runAsTask<R extends object>(work: (ctx: RequestContext) => R | PromiseLike<R>): Promise<R | CreateTaskResult>;
  /**
   * Sends notifications/progress when the request carried `_meta.progressToken`.
   * Values that do not increase are dropped, as the spec requires progress to grow.
   */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * Ends the SSE stream that would carry this request's answer, while the handler goes on
   * (SEP-1699 polling): the client reconnects with Last-Event-ID and gets the rest. A no-op
   * on transports without per-request streams, and for clients older than 2025-11-25.
   */
  closeSseStream(): void;
  log(level: LoggingLevel, data: unknown, logger?: string): void;
}
