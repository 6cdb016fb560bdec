// One file past ~400 lines on purpose: the dispatch of both eras (2025 sessions, 2026-07-28
// stateless requests) reads the session state it sits beside. Its per-request helpers live in
// handler-context.ts, the 2026-07-28 _meta and result shapes in modern.ts, the tasks extension
// in task-runner.ts and task-listen.ts: what stays here is the routing to them.
import { randomUUID } from 'node:crypto';
import { type DecodedFrame, isPlainObject } from '../jsonrpc/codec';
import type { JsonLimits } from '../jsonrpc/json-limits';
import { InvalidParamsError, InvalidRequestError, type JsonRpcError, MethodNotFoundError } from '../jsonrpc/errors';
import type { JsonObject, JsonRpcNotification, JsonRpcPayload, RequestId, SendFn } from '../jsonrpc/types';
import { Emitter } from '../protocol/emitter';
import { CapabilityNotSupportedError, ResourceNotFoundError, SessionStateError } from '../protocol/errors';
import { paginate } from '../protocol/pagination';
import {
  objectParams,
  optionalObject,
  optionalString,
  optionalStringRecord,
  requireObject,
  requireString,
  requireUri,
} from '../protocol/params';
import { asError, type IncomingRequest, Peer, type RequestOptions } from '../protocol/peer';
import { expectResult } from '../protocol/results';
import {
  ALL_PROTOCOL_VERSIONS,
  MODERN_BASELINE,
  negotiateProtocolVersion,
  type ProtocolVersion,
  versionAtLeast,
} from '../protocol/versions';
import type { Implementation, Meta, ProgressToken } from '../types/base';
import type { CompleteResult } from '../types/completion';
import type { ElicitParams, ElicitResult } from '../types/elicitation';
import type { ClientCapabilities, InitializeResult, ServerCapabilities } from '../types/lifecycle';
import { isLoggingLevel, levelPasses, type LoggingLevel, type LoggingMessageParams } from '../types/logging';
import type { ProgressParams } from '../types/notifications';
import type { ListRootsResult } from '../types/roots';
import type { CreateMessageParams, CreateMessageResult } from '../types/sampling';
import type { RequestContext, ServerSessionHandle } from './context';
import type { DefinitionChange, ServedDefinition } from './served-definition';
import { HandlerContext, PeerBinding } from './handler-context';
import { honouredFilter, notificationFor, SUBSCRIPTION_ID_KEY, type SubscriptionFilter } from './subscriptions';
import { listenToTasks } from './task-listen';
import { TASKS_EXTENSION } from './tasks';
import { maybeStartTask, taskRequest } from './task-runner';
import {
  claimsModernEra,
  type ModernRequestMeta,
  modernOnLegacySession,
  modernResult,
  readModernMeta,
  readRetry,
} from './modern';

/** awaiting-initialize → initializing (answered initialize) → ready (got notifications/initialized) → closed. */
export type ServerSessionState = 'awaiting-initialize' | 'initializing' | 'ready' | 'closed';

export interface ServerSessionOptions {
  /** Where every outgoing message goes; the session's only output. */
  send: SendFn;
  /** Defaults to a random UUID. */
  id?: string;
  /** Transport failures, stray responses, listener throws: never thrown into the caller of receive(). */
  onError?: (error: Error) => void;
  maxFrameBytes?: number;
  /**
   * How deep a frame may nest and how many object members and array elements it may hold,
   * checked before it is parsed (a frame past them gets -32600). Default: depth 64, 100,000
   * of each. A limit that is not a non-negative integer or Infinity is a RangeError here.
   */
  jsonLimits?: JsonLimits;
  /** Timeout for server-to-client requests (sampling, elicitation, roots, ping); default 60 s, 0 for none. */
  requestTimeoutMs?: number;
  /**
   * Requests the session runs at once; one more is answered with `InFlightLimitError`
   * (-32005) and not run. Default: no limit.
   */
  maxInFlightRequests?: number;
  /**
   * A request whose handler has not settled after this long (ms) is answered with
   * `HandlerTimeoutError` (-32001) and its signal aborted: a stalled tool cannot hold its
   * caller for ever. Default: none (a long tool reports progress and runs as long as it needs).
   */
  handlerTimeoutMs?: number;
  /**
   * Ends the stream carrying a request's answer while the request keeps running (Streamable
   * HTTP's SSE polling, SEP-1699); what follows is replayed when the client reconnects.
   * Transports without such streams leave it out, and `ctx.closeSseStream()` does nothing.
   */
  closeRequestStream?: (requestId: RequestId) => void;
  /**
   * Whom this session's requests act for: handles and tasks are bound to it. Transports set
   * it from what authenticates a request (HTTP: a hash of the `Authorization` header). Default:
   * this session alone (`session:<id>`), so a connection's handles are its own.
   */
  principal?: string;
  /**
   * @internal A session made for one 2026-07-28 request (Streamable HTTP's stateless path):
   * it follows the definition's changes only while a subscriptions/listen is open, the one
   * request of that revision they reach, rather than joining and leaving its set every call.
   */
  perRequest?: boolean;
}

export interface ServerSessionEvents {
  initialized: undefined;
  rootsListChanged: undefined;
  close: undefined;
}

const NO_SUBSCRIPTIONS: ReadonlySet<string> = new Set();
const ignoreError = (): void => undefined;

/**
 * One MCP session on the server side. Its input is "a decoded message (or a frame of text)
 * arrived" — {@link receive} / {@link receiveText} — and its only output is the `send`
 * callback, so a transport, a test or an actor mailbox can drive it alike.
 */
export class ServerSession implements ServerSessionHandle {
  readonly id: string;
  private readonly peer: Peer;
  /** Made on the first listener: most sessions never get one. */
  private events: Emitter<ServerSessionEvents> | undefined;
  private readonly onError: (error: Error) => void;
  private subscriptions: Set<string> | undefined;
  /** Open subscriptions/listen requests (2026-07-28), by request id, with what ends each gracefully. */
  private listens: Map<RequestId, { filter: SubscriptionFilter; end: () => void }> | undefined;
  private readonly principal: string;
  private sessionState: ServerSessionState = 'awaiting-initialize';
  private version: ProtocolVersion | undefined;
  private client: Implementation | undefined;
  private clientCaps: ClientCapabilities | undefined;
  private capabilities: ServerCapabilities = {};
  private logLevel: LoggingLevel;
  private readonly closeRequestStream: ((requestId: RequestId) => void) | undefined;

  constructor(
    private readonly definition: ServedDefinition,
    options: ServerSessionOptions,
  ) {
    this.id = options.id ?? randomUUID();
    this.onError = options.onError ?? ignoreError;
    this.logLevel = definition.defaultLogLevel;
    this.closeRequestStream = options.closeRequestStream;
    this.principal = options.principal ?? `session:${this.id}`;
    this.peer = new Peer(
      new PeerBinding(
        this,
        options.send,
        this.onError,
        options.maxFrameBytes,
        options.jsonLimits,
        options.requestTimeoutMs ?? 60_000,
        checkedLimit('maxInFlightRequests', options.maxInFlightRequests, 1),
        checkedLimit('handlerTimeoutMs', options.handlerTimeoutMs, 0),
      ),
    );
    if (options.perRequest !== true) definition.attach(this);
  }

  get state(): ServerSessionState {
    return this.sessionState;
  }

  get protocolVersion(): ProtocolVersion | undefined {
    return this.version;
  }

  get clientInfo(): Implementation | undefined {
    return this.client;
  }

  get clientCapabilities(): ClientCapabilities | undefined {
    return this.clientCaps;
  }

  /** The capabilities this session declared in its initialize result. */
  get serverCapabilities(): ServerCapabilities {
    return this.capabilities;
  }

  get loggingLevel(): LoggingLevel {
    return this.logLevel;
  }

  /** Uris this session's client subscribed to. */
  get subscribedResources(): ReadonlySet<string> {
    return this.subscriptions ?? NO_SUBSCRIPTIONS;
  }

  /** Requests from the client still being handled. */
  get inFlightCount(): number {
    return this.peer.inFlightCount;
  }

  /** A decoded message or batch arrived. Never throws: bad input is answered with an error response. */
  receive(payload: JsonRpcPayload): void {
    this.peer.receive(payload);
  }

  /** A frame of text arrived (one NDJSON line, one WebSocket message...). Never throws. */
  receiveText(text: string): void {
    this.peer.receiveText(text);
  }

  /**
   * A frame the transport decoded already (with `decodeValue` and this session's batching
   * rules), so it is not validated twice. Never throws.
   */
  receiveDecoded(frame: DecodedFrame): void {
    this.peer.receiveDecoded(frame);
  }

  /** The transport rejected a frame before it could be read (e.g. an oversize line). */
  receiveFrameError(error: JsonRpcError): void {
    this.peer.receiveFrameError(error);
  }

  on<E extends keyof ServerSessionEvents>(event: E, listener: (payload: ServerSessionEvents[E]) => void): () => void {
    this.events ??= new Emitter<ServerSessionEvents>((error) => this.onError(asError(error)));
    return this.events.on(event, listener);
  }

  /** Resolves when no client request is being handled (e.g. before a graceful stop). */
  drain(): Promise<void> {
    return this.peer.drain();
  }

  /**
   * Ends every open subscriptions/listen gracefully: each gets its SubscriptionsListenResult
   * (`_meta` naming the subscription), as the revision asks of a server shutting down.
   */
  endSubscriptions(): void {
    for (const { end } of [...(this.listens?.values() ?? [])]) end();
  }

  /** Aborts in-flight handlers, rejects pending server-to-client requests, stops notifications. */
  close(): void {
    if (this.sessionState === 'closed') return;
    this.sessionState = 'closed';
    // A principal that was this session alone cannot come back: its handles and tasks go with it.
    if (this.principal === `session:${this.id}`) {
      this.definition.handles.forget(this.principal);
      this.definition.tasks.forget(this.principal);
    }
    this.definition.detach(this);
    this.peer.close();
    this.events?.emit('close', undefined);
    this.events?.clear();
  }

  createMessage(params: CreateMessageParams, options?: RequestOptions): Promise<CreateMessageResult> {
    return this.clientRequest(
      'sampling',
      'sampling/createMessage',
      params,
      options,
      () => this.clientCaps?.sampling !== undefined,
    ).then(
      (result) =>
        expectResult(result, 'sampling/createMessage', {
          role: 'string',
          content: 'array|object',
          model: 'string',
        }) as CreateMessageResult,
    );
  }

  elicit(params: ElicitParams, options?: RequestOptions): Promise<ElicitResult> {
    if (this.version !== undefined && !versionAtLeast(this.version, '2025-06-18')) {
      return Promise.reject(
        new CapabilityNotSupportedError(
          'elicitation',
          `Elicitation needs protocol 2025-06-18 or later, not ${this.version}`,
        ),
      );
    }
    const url = params.mode === 'url';
    const supported = (): boolean => {
      const caps = this.clientCaps?.elicitation;
      if (caps === undefined) return false;
      // An empty elicitation capability means form mode only (the pre-2025-11-25 meaning).
      return url ? caps.url !== undefined : caps.form !== undefined || caps.url === undefined;
    };
    return this.clientRequest(
      url ? 'elicitation.url' : 'elicitation',
      'elicitation/create',
      params,
      options,
      supported,
    ).then((result) => expectResult(result, 'elicitation/create', { action: 'string' }) as ElicitResult);
  }

  listRoots(options?: RequestOptions): Promise<ListRootsResult> {
    return this.clientRequest(
      'roots',
      'roots/list',
      undefined,
      options,
      () => this.clientCaps?.roots !== undefined,
    ).then((result) => expectResult(result, 'roots/list', { roots: 'array' }) as ListRootsResult);
  }

  async ping(options?: RequestOptions): Promise<void> {
    if (this.sessionState === 'closed') throw new SessionStateError('Session is closed');
    await this.peer.request('ping', undefined, options);
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    this.logFor(undefined, level, data, logger);
  }

  private logFor(
    relatedRequestId: RequestId | undefined,
    level: LoggingLevel,
    data: unknown,
    logger?: string,
    modern?: ModernRequestMeta,
  ): void {
    if (this.sessionState === 'closed') return;
    if (modern !== undefined) {
      // 2026-07-28: nothing unless this request asked for a level (RequestMetaObject.logLevel).
      if (
        modern.logLevel === undefined ||
        this.definition.capabilities().logging === undefined ||
        !levelPasses(level, modern.logLevel)
      )
        return;
    } else if (
      this.capabilities.logging === undefined ||
      this.version === undefined ||
      !levelPasses(level, this.logLevel)
    ) {
      return;
    }
    const params: LoggingMessageParams = { level, data };
    if (logger !== undefined) params.logger = logger;
    this.peer.notify('notifications/message', params, relatedRequestId);
  }

  /** The session as a handler sees it: what it sends travels with the request it handles. */
  private handleFor(requestId: RequestId, modern: ModernRequestMeta | undefined): ServerSessionHandle {
    if (modern !== undefined) return this.modernHandleFor(requestId, modern);
    const related = (options: RequestOptions | undefined): RequestOptions => ({
      ...options,
      relatedRequestId: requestId,
    });
    // The getters read the live session, not a snapshot (a getter's own `this` is the handle).
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- as said above
    const session = this;
    return {
      id: this.id,
      get protocolVersion() {
        return session.protocolVersion;
      },
      get clientInfo() {
        return session.clientInfo;
      },
      get clientCapabilities() {
        return session.clientCapabilities;
      },
      createMessage: (params, options) => this.createMessage(params, related(options)),
      elicit: (params, options) => this.elicit(params, related(options)),
      listRoots: (options) => this.listRoots(related(options)),
      ping: (options) => this.ping(related(options)),
      log: (level, data, logger) => this.logFor(requestId, level, data, logger),
    };
  }

  /**
   * A stateless request has no session to ask things of: what the client is comes from the
   * request, and 2026-07-28 asks for input with input_required results instead of
   * server-to-client requests (not offered by this server yet).
   */
  private modernHandleFor(requestId: RequestId, modern: ModernRequestMeta): ServerSessionHandle {
    const noRequests = (method: string): Promise<never> =>
      Promise.reject(
        new SessionStateError(
          `${method} cannot be sent to a 2026-07-28 client: that revision has no server-to-client requests`,
        ),
      );
    return {
      id: this.id,
      protocolVersion: undefined,
      clientInfo: modern.clientInfo,
      clientCapabilities: modern.clientCapabilities,
      createMessage: () => noRequests('sampling/createMessage'),
      elicit: () => noRequests('elicitation/create'),
      listRoots: () => noRequests('roots/list'),
      ping: () => noRequests('ping'),
      log: (level, data, logger) => this.logFor(requestId, level, data, logger, modern),
    };
  }

  /** notifications/resources/updated, if this session's client subscribed to `uri`. */
  notifyResourceUpdated(uri: string): void {
    if (this.subscriptions?.has(uri)) this.peer.notify('notifications/resources/updated', { uri });
  }

  private clientRequest(
    capability: string,
    method: string,
    params: object | undefined,
    options: RequestOptions | undefined,
    supported: () => boolean,
  ): Promise<unknown> {
    if (this.sessionState === 'closed') return Promise.reject(new SessionStateError('Session is closed'));
    if (this.clientCaps === undefined)
      return Promise.reject(new SessionStateError(`${method} needs an initialized session`));
    if (!supported()) return Promise.reject(new CapabilityNotSupportedError(capability));
    return this.peer.request(method, params, options);
  }

  /**
   * Answers one request: the result, or a promise of it when a handler is asynchronous. A
   * synchronous tool's answer is therefore sent within the same turn, with no promise made.
   */
  private handleRequest(request: IncomingRequest): unknown {
    const { method } = request;
    const params = objectParams(request.params);
    // A request naming its revision in _meta is served statelessly (basic/versioning.mdx, dual-era);
    // initialize among them is a method that revision does not have.
    if (method === 'server/discover' || claimsModernEra(params)) return this.handleModern(request, params);
    if (method === 'initialize') return this.initialize(params);
    if (method === 'ping') return {};
    if (this.sessionState === 'awaiting-initialize') {
      throw new InvalidRequestError(`${method} is not allowed before initialize`);
    }
    const ctx = new HandlerContext(
      this,
      request,
      isPlainObject(params._meta) ? (params._meta as Meta) : undefined,
      undefined,
    );
    return this.dispatch(method, params, ctx, this.version as ProtocolVersion, this.capabilities, false);
  }

  /**
   * A 2026-07-28 request: its version, capabilities and log level come from its own `_meta`,
   * nothing is kept after it, and its result carries resultType, serverInfo and cache hints.
   */
  private handleModern(request: IncomingRequest, params: JsonObject): unknown {
    if (this.sessionState !== 'awaiting-initialize') {
      // initialize chose legacy semantics for this session: only its revision is served here.
      throw modernOnLegacySession(request.method, params, this.version as string)!;
    }
    const modern = readModernMeta(params);
    const { method } = request;
    const retry = readRetry(method, params, this.definition.requestStates);
    const ctx = new HandlerContext(this, request, params._meta as Meta, modern, retry);
    const capabilities = this.definition.capabilities();
    const { info, cacheHint } = this.definition;
    if (method === 'subscriptions/listen') return this.listen(request, params, capabilities, modern);
    if (method.startsWith('tasks/'))
      return modernResult(
        taskRequest(this.definition, method, params, modern, this.principal),
        method,
        info,
        cacheHint,
      );
    const task =
      method === 'tools/call' && capabilities.tools !== undefined
        ? maybeStartTask(this.definition, params, modern, this.principal, request.id)
        : undefined;
    if (task !== undefined) return modernResult(task, method, info, cacheHint);
    const result = this.dispatch(method, params, ctx, MODERN_BASELINE, capabilities, true);
    if (result instanceof Promise) return result.then((value) => modernResult(value, method, info, cacheHint));
    return modernResult(result, method, info, cacheHint);
  }

  /** The methods both eras share, and those only one of them has. */
  private dispatch(
    method: string,
    params: JsonObject,
    ctx: HandlerContext,
    version: ProtocolVersion,
    capabilities: ServerCapabilities,
    modern: boolean,
  ): unknown {
    const pageSize = this.definition.pageSize;
    // A method whose capability was not declared does not exist for the client.
    const require = (capability: keyof ServerCapabilities): void => {
      if (capabilities[capability] === undefined) throw new MethodNotFoundError(`Method not found: ${method}`);
    };
    switch (method) {
      case 'tools/list': {
        require('tools');
        const page = paginate(this.definition.tools.list(version), optionalString(params, 'cursor'), pageSize);
        return withCursor({ tools: page.items }, page.nextCursor);
      }
      case 'tools/call':
        require('tools');
        return this.definition.tools.call(params, ctx, version);
      case 'resources/list': {
        require('resources');
        const cursor = optionalString(params, 'cursor');
        return this.definition.resources.list(ctx).then((resources) => {
          const page = paginate(resources, cursor, pageSize);
          return withCursor({ resources: page.items }, page.nextCursor);
        });
      }
      case 'resources/templates/list': {
        require('resources');
        const page = paginate(this.definition.resources.listTemplates(), optionalString(params, 'cursor'), pageSize);
        return withCursor({ resourceTemplates: page.items }, page.nextCursor);
      }
      case 'resources/read':
        require('resources');
        return modern
          ? readModern(this.definition, requireUri(params, 'uri'), ctx)
          : this.definition.resources.read(requireUri(params, 'uri'), ctx);
      case 'prompts/list': {
        require('prompts');
        const page = paginate(this.definition.prompts.list(), optionalString(params, 'cursor'), pageSize);
        return withCursor({ prompts: page.items }, page.nextCursor);
      }
      case 'prompts/get':
        require('prompts');
        return this.definition.prompts.get(
          requireString(params, 'name'),
          optionalStringRecord(params, 'arguments') ?? {},
          ctx,
        );
      case 'completion/complete':
        require('completions');
        return this.complete(params, ctx);
    }
    if (modern) {
      // ping, logging/setLevel and resources/(un)subscribe are gone from 2026-07-28 (changelog.mdx):
      // like any method a server does not implement, they are -32601.
      if (method === 'server/discover') return this.discover(capabilities);
      throw new MethodNotFoundError(`Method not found: ${method}`);
    }
    switch (method) {
      case 'resources/subscribe':
        require('resources');
        (this.subscriptions ??= new Set()).add(requireUri(params, 'uri'));
        return {};
      case 'resources/unsubscribe':
        require('resources');
        this.subscriptions?.delete(requireUri(params, 'uri'));
        return {};
      case 'logging/setLevel': {
        require('logging');
        const level = params.level;
        if (!isLoggingLevel(level)) throw new InvalidParamsError(`Unknown logging level: ${String(level)}`);
        this.logLevel = level;
        return {};
      }
      default:
        throw new MethodNotFoundError(`Method not found: ${method}`);
    }
  }

  /**
   * Opens a subscription: acknowledged at once with what will be honoured, then change
   * notifications tagged with its id, until the client cancels it (closes the HTTP stream,
   * or notifications/cancelled on stdio) or the session ends. The request is never answered
   * otherwise: its pending promise is the subscription.
   */
  private listen(
    request: IncomingRequest,
    params: JsonObject,
    capabilities: ServerCapabilities,
    modern: ModernRequestMeta,
  ): Promise<unknown> {
    const filter = honouredFilter(params, capabilities);
    const id = request.id;
    // notifications/tasks for the task ids the client names (tasks extension): checked before the ack.
    const tasks = listenToTasks(this.definition, params, modern, this.principal, (method, notification) =>
      this.peer.notify(method, { ...notification, _meta: { [SUBSCRIPTION_ID_KEY]: id } }, id),
    );
    // Idempotent: a session made for this one request (perRequest) joins the definition's set now.
    this.definition.attach(this);
    const acknowledged: JsonObject = { ...(filter as JsonObject) };
    if (tasks !== undefined) acknowledged.taskIds = tasks.taskIds;
    return new Promise((resolve) => {
      const stop = (): void => {
        this.listens?.delete(id);
        tasks?.stop();
      };
      const end = (): void => {
        stop();
        const { info, cacheHint } = this.definition;
        resolve(modernResult({ _meta: { [SUBSCRIPTION_ID_KEY]: id } }, 'subscriptions/listen', info, cacheHint));
      };
      (this.listens ??= new Map()).set(id, { filter, end });
      request.signal.addEventListener('abort', stop, { once: true });
      this.peer.notify(
        'notifications/subscriptions/acknowledged',
        { notifications: acknowledged, _meta: { [SUBSCRIPTION_ID_KEY]: id } },
        id,
      );
    });
  }

  /** server/discover (DiscoverResult in schema/2026-07-28/schema.ts); serverInfo travels in _meta. */
  private discover(capabilities: ServerCapabilities): JsonObject {
    // The tasks extension is offered to 2026-07-28 clients only (it has no 2025 form).
    const offered = this.definition.tools.hasTaskTools
      ? { ...capabilities, extensions: { ...(capabilities.extensions as object), [TASKS_EXTENSION]: {} } }
      : capabilities;
    const result: JsonObject = {
      supportedVersions: [...ALL_PROTOCOL_VERSIONS],
      capabilities: offered as JsonObject,
    };
    if (this.definition.instructions !== undefined) result.instructions = this.definition.instructions;
    return result;
  }

  private initialize(params: JsonObject): InitializeResult {
    if (this.sessionState !== 'awaiting-initialize') throw new InvalidRequestError('initialize may be sent only once');
    const requested = requireString(params, 'protocolVersion');
    const capabilities = requireObject(params, 'capabilities');
    const clientInfo = requireObject(params, 'clientInfo');
    if (typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string') {
      throw new InvalidParamsError('clientInfo needs a name and a version');
    }
    this.version = negotiateProtocolVersion(requested);
    this.clientCaps = capabilities as ClientCapabilities;
    this.client = clientInfo as unknown as Implementation;
    this.capabilities = this.definition.capabilities();
    this.sessionState = 'initializing';
    const result: InitializeResult = {
      protocolVersion: this.version,
      capabilities: this.capabilities,
      serverInfo: this.definition.info,
    };
    if (this.definition.instructions !== undefined) result.instructions = this.definition.instructions;
    return result;
  }

  private async complete(params: JsonObject, ctx: RequestContext): Promise<CompleteResult> {
    const ref = requireObject(params, 'ref');
    const argument = requireObject(params, 'argument');
    const name = requireString(argument, 'name');
    const value = requireString(argument, 'value');
    const context = { arguments: optionalStringRecord(optionalObject(params, 'context') ?? {}, 'arguments') ?? {} };
    if (ref.type === 'ref/prompt') {
      return {
        completion: await this.definition.prompts.complete(requireString(ref, 'name'), name, value, context, ctx),
      };
    }
    if (ref.type === 'ref/resource') {
      return {
        completion: await this.definition.resources.complete(requireUri(ref, 'uri'), name, value, context, ctx),
      };
    }
    throw new InvalidParamsError(`Unknown completion reference type: ${String(ref.type)}`);
  }

  private handleNotification(notification: JsonRpcNotification): void {
    switch (notification.method) {
      case 'notifications/initialized':
        if (this.sessionState === 'initializing') {
          this.sessionState = 'ready';
          this.events?.emit('initialized', undefined);
        }
        return;
      case 'notifications/roots/list_changed':
        this.events?.emit('rootsListChanged', undefined);
        return;
      default:
        // cancelled and progress are handled by the peer; unknown notifications are ignored.
        return;
    }
  }

  /** notifications/progress for a handler's ctx.progress (which checks the request still runs). */
  private progressFor(
    requestId: RequestId,
    token: ProgressToken,
    progress: number,
    total: number | undefined,
    message: string | undefined,
  ): void {
    const notification: ProgressParams = { progressToken: token, progress };
    if (total !== undefined) notification.total = total;
    if (message !== undefined) notification.message = message;
    this.peer.notify('notifications/progress', notification, requestId);
  }

  /** @internal Called by the definition this session serves. */
  definitionChanged(change: DefinitionChange): void {
    if (this.listens !== undefined && this.sessionState !== 'closed') {
      for (const [id, { filter }] of this.listens) {
        const notification = notificationFor(filter, change, id);
        if (notification !== undefined) this.peer.notify(notification.method, notification.params, id);
      }
    }
    if (change.kind === 'resource-updated') {
      if (this.sessionState !== 'closed') this.notifyResourceUpdated(change.uri);
      return;
    }
    // list_changed only once the client has said it is ready, and only for what it was told about.
    if (this.sessionState !== 'ready' || this.capabilities[change.kind] === undefined) return;
    this.peer.notify(`notifications/${change.kind}/list_changed`);
  }
}

/** 2026-07-28 reports an unknown resource as -32602 (changelog.mdx, minor change 6), not -32002. */
async function readModern(definition: ServedDefinition, uri: string, ctx: RequestContext): Promise<unknown> {
  try {
    return await definition.resources.read(uri, ctx);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) throw new InvalidParamsError(error.message, { data: error.data });
    throw error;
  }
}

function withCursor<T extends object>(result: T, nextCursor: string | undefined): T & { nextCursor?: string } {
  return nextCursor === undefined ? result : { ...result, nextCursor };
}

/** A limit option: undefined, Infinity, or a number of at least `min`; else a RangeError when the session is made. */
function checkedLimit(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (!(typeof value === 'number' && value >= min && (min === 0 || Number.isInteger(value))))
    throw new RangeError(
      `${name} must be ${min === 0 ? 'a non-negative number' : 'a positive integer'} or Infinity, not ${String(value)}`,
    );
  return value === 0 && min === 0 ? undefined : value;
}
