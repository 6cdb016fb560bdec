import type { JsonLimits } from '../jsonrpc/json-limits';
import type { JsonRpcNotification, RequestId, SendFn } from '../jsonrpc/types';
import type { IncomingRequest, PeerOptions } from '../protocol/peer';
import { objectParams } from '../protocol/params';
import { allowsBatches } from '../protocol/versions';
import type { Meta, ProgressToken } from '../types/base';
import type { AskOutcome, RequestContext, ServerSessionHandle } from './context';
import { answersSoFar, askModern, askSession, handlerState } from './ask';
import type { HandleScope } from './handles';
import { runAsTask } from './task-runner';
import { readTraceContext, type TraceContext } from './trace-context';
import { MissingRequiredClientCapabilityError, SessionStateError } from '../protocol/errors';
import type { InputRequests, InputRequiredResult } from '../types/input-requests';
import { missingCapabilities, type ModernRequestMeta, type RetryInput } from './modern';
// type cycle: these helpers serve one ServerSession (its type only); session.ts builds them at run time.
import type { ServerSession } from './session';
import { listening, type McpRequestEvent, type McpTelemetryBus } from './telemetry';

// The two per-session helper objects of ServerSession, apart so that session.ts holds the
// protocol alone. Both reach the session's private members by bracket access: they are
// part of it, not users of its public API. Hence the one import cycle of src/, through a
// type import only (session.ts makes them; they name its type): test/import-graph.test.ts.

const NOT_CANCELLABLE = new Set(['initialize']);

/**
 * A handler's `ctx`, one per request. Its methods are made (bound) only when a handler reads
 * them, so `const { progress } = ctx` still works, and a handler that uses none costs one
 * small object. The bracket access reaches the session's private helpers.
 */
export class HandlerContext implements RequestContext {
  readonly requestId: RequestId;
  readonly method: string;
  private lastProgress = -Infinity;
  private handle: ServerSessionHandle | undefined;
  private boundProgress: RequestContext['progress'] | undefined;
  private boundLog: RequestContext['log'] | undefined;
  private boundClose: RequestContext['closeSseStream'] | undefined;
  private traceContext: TraceContext | undefined | null = null;
  private handleScope: HandleScope | undefined;

  constructor(
    private readonly owner: ServerSession,
    private readonly request: IncomingRequest,
    readonly meta: Meta | undefined,
    readonly modern: ModernRequestMeta | undefined,
    private readonly retry?: RetryInput,
  ) {
    this.requestId = request.id;
    this.method = request.method;
  }

  get inputResponses(): Readonly<Record<string, unknown>> | undefined {
    return this.retry?.inputResponses;
  }

  /** The handler's state: what ctx.ask adds to it for its own rounds is taken off. */
  get requestState(): unknown {
    return handlerState(this.retry?.state);
  }

  get trace(): TraceContext | undefined {
    if (this.traceContext === null) this.traceContext = readTraceContext(this.meta);
    return this.traceContext;
  }

  get handles(): HandleScope {
    return (this.handleScope ??= this.owner['definition'].handles.scope(this.owner['principal']));
  }

  get ask(): RequestContext['ask'] {
    return (requests: InputRequests, state?: unknown): Promise<AskOutcome> => {
      if (this.modern === undefined) return askSession(this.session, requests);
      try {
        const known = answersSoFar(this.retry?.state, this.retry?.inputResponses);
        return Promise.resolve(askModern(requests, state, known, this.inputRequired));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
  }

  get inputRequired(): NonNullable<RequestContext['inputRequired']> {
    return (requests: InputRequests, state?: unknown): InputRequiredResult => {
      if (this.modern === undefined) {
        throw new SessionStateError(
          'inputRequired answers 2026-07-28 requests; on a 2025 session use ctx.session.elicit, createMessage or listRoots',
        );
      }
      if (this.retry === undefined) throw new SessionStateError(`${this.method} cannot ask for input here`);
      // mrtr.mdx: never ask what the client did not declare it can answer.
      const missing = missingCapabilities(requests, this.modern.clientCapabilities);
      if (missing !== undefined) throw new MissingRequiredClientCapabilityError(missing);
      const result: InputRequiredResult = {
        resultType: 'input_required',
        requestState: this.owner['definition'].requestStates.sign(this.retry.binding, state),
      };
      if (Object.keys(requests).length > 0) result.inputRequests = requests;
      return result;
    };
  }

  get runAsTask(): RequestContext['runAsTask'] {
    return (work) =>
      runAsTask(
        this,
        this.owner['definition'],
        this.owner['principal'],
        objectParams(this.request.params),
        answersSoFar(this.retry?.state, this.retry?.inputResponses),
        work,
      );
  }

  get signal(): AbortSignal {
    return this.request.signal;
  }

  /** Built when a handler asks for it: most never do. */
  get session(): ServerSessionHandle {
    return (this.handle ??= this.owner['handleFor'](this.requestId, this.modern));
  }

  get progress(): RequestContext['progress'] {
    return (this.boundProgress ??= (progress, total, message) => {
      const token = this.meta?.progressToken;
      // Progress is only meaningful for a request that is still running, and only grows.
      if (
        !isProgressToken(token) ||
        this.request.aborted ||
        !this.owner['peer'].isInFlight(this.requestId) ||
        !(progress > this.lastProgress)
      )
        return;
      this.lastProgress = progress;
      this.owner['progressFor'](this.requestId, token, progress, total, message);
    });
  }

  get log(): RequestContext['log'] {
    return (this.boundLog ??= (level, data, logger) =>
      this.owner['logFor'](this.requestId, level, data, logger, this.modern));
  }

  get closeSseStream(): RequestContext['closeSseStream'] {
    return (this.boundClose ??= () => this.owner['closeRequestStream']?.(this.requestId));
  }
}

/**
 * The Peer's callbacks for one session as a single object with prototype methods, rather
 * than an options object and five closures: a server holding thousands of sessions pays
 * for every per-session allocation. The bracket access reaches the session's private
 * handlers, which are not part of its public API.
 */
export class PeerBinding implements PeerOptions {
  constructor(
    private readonly session: ServerSession,
    readonly send: SendFn,
    readonly onError: (error: Error) => void,
    readonly maxFrameBytes: number | undefined,
    readonly jsonLimits: JsonLimits | undefined,
    readonly requestTimeoutMs: number,
    readonly maxInFlightRequests: number | undefined,
    readonly handlerTimeoutMs: number | undefined,
  ) {}

  get uncancellable(): ReadonlySet<string> {
    return NOT_CANCELLABLE;
  }

  onRequest(request: IncomingRequest): unknown {
    const bus = listening('mcp:request');
    if (bus === undefined) return this.session['handleRequest'](request);
    return timedRequest(bus, this.session, request);
  }

  onNotification(notification: JsonRpcNotification): void {
    this.session['handleNotification'](notification);
  }

  batching(): { allow: boolean; protocolVersion: string | undefined } {
    const version = this.session.protocolVersion;
    return { allow: allowsBatches(version), protocolVersion: version };
  }
}

/** A progress token is a string or a finite number (tokens are not restored beyond 2^53, ids are). */
function isProgressToken(value: unknown): value is ProgressToken {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** handleRequest with an `mcp:request` event when it settles; a synchronous answer stays synchronous. */
function timedRequest(bus: McpTelemetryBus, session: ServerSession, request: IncomingRequest): unknown {
  const { method } = request;
  const name =
    method === 'tools/call' && typeof (request.params as { name?: unknown } | undefined)?.name === 'string'
      ? (request.params as { name: string }).name
      : undefined;
  // Only a tool the server has names a label: a client cannot grow the label set.
  const tool = name !== undefined && session['definition'].tools.has(name) ? name : undefined;
  const trace = readTraceContext((request.params as { _meta?: unknown } | undefined)?._meta);
  const started = performance.now();
  const done = (outcome: 'ok' | 'error' | 'tool_error'): void => {
    const event: McpRequestEvent = { method, tool, durationMs: performance.now() - started, outcome };
    if (trace !== undefined) {
      event.traceId = trace.traceId;
      event.parentSpanId = trace.parentId;
      event.sampled = trace.sampled;
    }
    bus.emit('mcp:request', event);
  };
  const ok = (result: unknown): 'ok' | 'tool_error' =>
    method === 'tools/call' && (result as { isError?: unknown } | null)?.isError === true ? 'tool_error' : 'ok';
  let result: unknown;
  try {
    result = session['handleRequest'](request);
  } catch (error) {
    done('error');
    throw error;
  }
  if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') {
    done(ok(result));
    return result;
  }
  return Promise.resolve(result).then(
    (value: unknown) => {
      done(ok(value));
      return value;
    },
    (error: unknown) => {
      done('error');
      throw error;
    },
  );
}
