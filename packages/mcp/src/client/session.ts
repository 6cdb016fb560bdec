// The client side of a session in one class, as ServerSession is the server side: 2025
// handshakes and 2026-07-28 requests share its methods (the era's details are in modern.ts,
// the answers to the server's questions in handlers.ts, subscriptions in listens.ts, the
// cache in result-cache.ts, tasks in tasks.ts), which keeps it past 400 lines: its methods are
// the client API.
import { isPlainObject } from '../jsonrpc/codec';
import { JsonRpcError, MethodNotFoundError } from '../jsonrpc/errors';
import type { JsonLimits } from '../jsonrpc/json-limits';
import type { JsonObject, JsonRpcNotification, JsonRpcPayload, SendFn } from '../jsonrpc/types';
import { Emitter } from '../protocol/emitter';
import {
  ConnectionClosedError,
  OutputValidationError,
  RequestCancelledError,
  ProtocolViolationError,
  SessionStateError,
  UnsupportedProtocolVersionError,
} from '../protocol/errors';
import { objectParams } from '../protocol/params';
import { asError, type IncomingRequest, Peer, type RequestOptions } from '../protocol/peer';
import { expectResult } from '../protocol/results';
import {
  allowsBatches,
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  type ModernProtocolVersion,
  type ProtocolVersion,
} from '../protocol/versions';
import type { Implementation, Meta } from '../types/base';
import type { CompleteParams, CompleteResult } from '../types/completion';
import type { ClientCapabilities, InitializeResult, ServerCapabilities } from '../types/lifecycle';
import type { LoggingLevel } from '../types/logging';
import type { ServerNotificationMap } from '../types/notifications';
import type { GetPromptParams, GetPromptResult, ListPromptsParams, ListPromptsResult, Prompt } from '../types/prompts';
import type {
  ListResourcesParams,
  ListResourcesResult,
  ListResourceTemplatesParams,
  ListResourceTemplatesResult,
  ReadResourceParams,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '../types/resources';
import type { CallToolParams, CallToolResult, ListToolsParams, ListToolsResult, Tool } from '../types/tools';
import type { InputRequest } from '../types/input-requests';
import { JsonSchemaValidator, type Validator } from '../validation/json-schema';
import { type ClientHandlers, handlerFor } from './handlers';
import { LegacyListens } from './legacy-listens';
import { Listens } from './listens';
import { type ParamHeader, paramHeaderValues, readParamHeaders } from './param-headers';
import { ResultCache, type ResultCacheOption } from './result-cache';
import { type DiscoverResult, discover, type ModernEra, requestModern, type VersionNegotiation } from './modern';
import type { ListenOptions, Subscription } from './subscription';
import { openTaskWatch } from './task-watch';
import { readDetailedTask, readTaskOutcome, type TaskCallOutcome, waitForTask, type WaitForTaskOptions } from './tasks';
import { type DetailedTask, TASKS_EXTENSION_ID } from '../types/tasks';
import type { SubscriptionFilter } from '../types/subscriptions';

export interface ClientSessionOptions {
  send: SendFn;
  clientInfo: Implementation;
  /** Merged with the capabilities implied by `handlers`. */
  capabilities?: ClientCapabilities;
  handlers?: ClientHandlers;
  /** The revision to ask for in initialize; defaults to the latest of the 2025 era. */
  protocolVersion?: ProtocolVersion;
  /**
   * 'legacy' (default): the initialize handshake. 'auto': server/discover first and
   * 2026-07-28 when the server offers it, else initialize. `{ pin: '2026-07-28' }`: that
   * revision or a rejected connect().
   */
  versionNegotiation?: VersionNegotiation;
  onError?: (error: Error) => void;
  maxFrameBytes?: number;
  /** Bounds on each frame from the server, checked before it is parsed: as `ServerSessionOptions.jsonLimits`. */
  jsonLimits?: JsonLimits;
  /** Default timeout of requests to the server; 60 s, 0 for none. Progress restarts it. */
  requestTimeoutMs?: number;
  /** Check structuredContent against the outputSchema seen in listTools (default true). */
  validateToolOutput?: boolean;
  /**
   * 2026-07-28: keep cacheable results (the lists, resources/read) for the `ttlMs` the
   * server gave them, dropped early by the matching list_changed or resources/updated
   * notification. Default on (256 results); `false` turns it off.
   */
  cache?: ResultCacheOption;
  /**
   * @internal Set by connectHttp: tools whose `x-mcp-header` annotations are invalid are left
   * out of listTools, and a -32020 answer to tools/call re-lists the tools and retries once.
   */
  mirrorParamHeaders?: boolean;
}

export type ClientSessionState = 'new' | 'connecting' | 'ready' | 'closed';

/** What connect() learnt: the initialize result, or (2026-07-28) what server/discover said. */
export type ConnectResult = InitializeResult | (DiscoverResult & { protocolVersion: ModernProtocolVersion });

/** Requests 2026-07-28 removed: a 2026 client keeps its log level itself and has no subscriptions by resource. */
const LEGACY_ONLY = new Set(['ping', 'resources/subscribe', 'resources/unsubscribe']);

/** Server notifications by method, plus `notification` (every one, raw) and `close`. */
export type ClientSessionEvents = ServerNotificationMap & {
  notification: JsonRpcNotification;
  close: undefined;
};

/**
 * The client side of an MCP session, over the same send/receive contract as
 * {@link ServerSession}: feed it what the transport delivers, it sends through `send`.
 */
export class ClientSession {
  private readonly peer: Peer;
  private readonly events: Emitter<ClientSessionEvents>;
  private readonly onError: (error: Error) => void;
  private readonly capabilities: ClientCapabilities;
  private readonly handlers: ClientHandlers;
  private readonly requestedVersion: ProtocolVersion;
  private readonly validator = new JsonSchemaValidator();
  private readonly outputValidators = new Map<string, Validator>();
  private readonly validateOutput: boolean;
  private sessionState: ClientSessionState = 'new';
  private initializeResult: InitializeResult | undefined;
  private version: ProtocolVersion | undefined;
  /** Set when connect() chose 2026-07-28: every request then carries it in its `_meta`. */
  private era: ModernEra | undefined;
  private discovered: DiscoverResult | undefined;
  private readonly listens: Listens;
  private readonly legacyListens: LegacyListens;
  private readonly cache: ResultCache | undefined;
  /** The `x-mcp-header` annotations of the tools seen in listTools, by tool name. */
  private readonly paramHeaders = new Map<string, readonly ParamHeader[]>();

  constructor(private readonly options: ClientSessionOptions) {
    this.onError = options.onError ?? (() => undefined);
    this.events = new Emitter<ClientSessionEvents>((error) => this.onError(asError(error)));
    this.handlers = options.handlers ?? {};
    this.requestedVersion = options.protocolVersion ?? LATEST_PROTOCOL_VERSION;
    this.validateOutput = options.validateToolOutput ?? true;
    const capabilities: ClientCapabilities = { ...options.capabilities };
    if (this.handlers.createMessage && !capabilities.sampling) capabilities.sampling = {};
    if (this.handlers.elicit && !capabilities.elicitation) capabilities.elicitation = { form: {} };
    if (this.handlers.listRoots && !capabilities.roots) capabilities.roots = { listChanged: true };
    this.capabilities = capabilities;
    this.peer = new Peer({
      send: (payload, related) => {
        this.listens.sent(payload);
        return options.send(payload, related);
      },
      onRequest: (request) => this.handleRequest(request),
      onNotification: (notification) => this.handleNotification(notification),
      onError: this.onError,
      batching: () => ({ allow: allowsBatches(this.version), protocolVersion: this.version }),
      maxFrameBytes: options.maxFrameBytes,
      jsonLimits: options.jsonLimits,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    });
    this.listens = new Listens(this.peer);
    this.legacyListens = new LegacyListens({
      subscribe: (uri) => this.subscribeResource(uri),
      unsubscribe: (uri) => this.unsubscribeResource(uri),
      report: this.onError,
    });
    this.cache = options.cache === false ? undefined : new ResultCache(options.cache);
  }

  get state(): ClientSessionState {
    return this.sessionState;
  }

  get protocolVersion(): ProtocolVersion | ModernProtocolVersion | undefined {
    return this.era?.protocolVersion ?? this.version;
  }

  get serverInfo(): Implementation | undefined {
    return this.initializeResult?.serverInfo ?? this.discovered?.serverInfo;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.initializeResult?.capabilities ?? this.discovered?.capabilities;
  }

  get instructions(): string | undefined {
    return this.initializeResult?.instructions ?? this.discovered?.instructions;
  }

  /** The capabilities sent in initialize. */
  get clientCapabilities(): ClientCapabilities {
    return this.capabilities;
  }

  receive(payload: JsonRpcPayload): void {
    this.peer.receive(payload);
  }

  receiveText(text: string): void {
    this.peer.receiveText(text);
  }

  receiveFrameError(error: JsonRpcError): void {
    this.peer.receiveFrameError(error);
  }

  on<E extends keyof ClientSessionEvents>(event: E, listener: (payload: ClientSessionEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * The handshake: initialize, check the revision the server chose, then
   * notifications/initialized. A server choosing an unsupported revision closes the session.
   */
  async connect(options?: Omit<RequestOptions, 'onProgress'>): Promise<ConnectResult> {
    if (this.sessionState !== 'new') throw new SessionStateError(`connect() called in state ${this.sessionState}`);
    this.sessionState = 'connecting';
    try {
      const negotiation = this.options.versionNegotiation ?? 'legacy';
      if (negotiation !== 'legacy') {
        const discovered = await this.discover(negotiation, options);
        if (discovered !== undefined) return discovered;
      }
      // The spec forbids cancelling initialize, so a timeout or abort sends no notifications/cancelled.
      const raw = await this.peer.request(
        'initialize',
        {
          protocolVersion: this.requestedVersion,
          capabilities: this.capabilities,
          clientInfo: this.options.clientInfo,
        },
        options,
        false,
      );
      const result = expectResult(raw, 'initialize', {
        protocolVersion: 'string',
        capabilities: 'object',
        serverInfo: 'object',
      });
      if (!isSupportedProtocolVersion(result.protocolVersion))
        throw new UnsupportedProtocolVersionError(result.protocolVersion);
      this.version = result.protocolVersion;
      this.initializeResult = result as InitializeResult;
      this.sessionState = 'ready';
      this.peer.notify('notifications/initialized');
      return this.initializeResult;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** 2026-07-28 when the server offers it: no initialize, every request carries the era. */
  private async discover(
    negotiation: Exclude<VersionNegotiation, 'legacy'>,
    options?: Omit<RequestOptions, 'onProgress'>,
  ): Promise<ConnectResult | undefined> {
    const found = await discover(this.peer, negotiation, this.capabilities, this.options.clientInfo, options);
    if (found === undefined) return undefined;
    this.era = found.era;
    this.discovered = found.result;
    this.sessionState = 'ready';
    return { ...found.result, protocolVersion: found.era.protocolVersion };
  }

  async ping(options?: RequestOptions): Promise<void> {
    await this.call('ping', undefined, options, true);
  }

  async listTools(params?: ListToolsParams, options?: RequestOptions): Promise<ListToolsResult> {
    const result = (await this.call('tools/list', params, options, { tools: 'array' })) as ListToolsResult;
    this.rememberOutputSchemas(result.tools);
    if (this.era !== undefined && this.options.mirrorParamHeaders)
      result.tools = this.rememberParamHeaders(result.tools);
    return result;
  }

  /** Follows nextCursor until the server has listed every tool. */
  async listAllTools(options?: RequestOptions): Promise<Tool[]> {
    return this.collect(
      (cursor) => this.listTools(cursor === undefined ? undefined : { cursor }, options),
      (page) => page.tools,
    );
  }

  /**
   * Calls a tool. A tool's own failure is a result with isError; protocol errors (unknown
   * tool, bad params) reject with a JsonRpcError subclass.
   */
  async callTool(params: CallToolParams, options?: RequestOptions): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = (await this.call('tools/call', params, options, { content: 'array' })) as CallToolResult;
    } catch (error) {
      // "Client Behavior": a HeaderMismatch may mean the tool's schema changed; list again, retry once.
      if (!(error instanceof JsonRpcError && error.code === -32020 && this.era && this.options.mirrorParamHeaders))
        throw error;
      this.cache?.notified('notifications/tools/list_changed', undefined);
      await this.listAllTools(options);
      result = (await this.call('tools/call', params, options, { content: 'array' })) as CallToolResult;
    }
    return this.checkOutput(params.name, result);
  }

  /**
   * 2026-07-28, the tasks extension: calls a tool declaring `io.modelcontextprotocol/tasks` in
   * this request's capabilities, so the server may answer with a task (`kind: 'task'`, to follow
   * with {@link waitForTask} or {@link getTask}) or with the result (`kind: 'result'`). On a 2025
   * session, where the extension has no form, it is `callTool`.
   */
  async callToolAsTask(params: CallToolParams, options?: RequestOptions): Promise<TaskCallOutcome> {
    if (this.era === undefined) return { kind: 'result', result: await this.callTool(params, options) };
    const outcome = readTaskOutcome(await this.call('tools/call', params, options, {}, this.withTasks()));
    if (outcome.kind === 'result') this.checkOutput(params.name, outcome.result);
    return outcome;
  }

  /** {@link callToolAsTask}, then, if it became a task, {@link waitForTask}: the tool's result either way. */
  async callToolAndWait(params: CallToolParams, options: WaitForTaskOptions = {}): Promise<CallToolResult> {
    const outcome = await this.callToolAsTask(params, { signal: options.signal, timeoutMs: options.timeoutMs });
    if (outcome.kind === 'result') return outcome.result;
    return this.checkOutput(params.name, await this.waitForTask(outcome.task.taskId, options));
  }

  /** `tasks/get`: the task's state, with its questions, result or error as its status carries. */
  async getTask(taskId: string, options?: RequestOptions): Promise<DetailedTask> {
    return readDetailedTask(await this.taskRequest('tasks/get', { taskId }, options));
  }

  /** `tasks/update`: answers to the task's outstanding `inputRequests`, by key. */
  async updateTask(taskId: string, inputResponses: Record<string, unknown>, options?: RequestOptions): Promise<void> {
    await this.taskRequest('tasks/update', { taskId, inputResponses: inputResponses as JsonObject }, options);
  }

  /** `tasks/cancel`: asks the server to stop the task (cooperative: it may still complete). */
  async cancelTask(taskId: string, options?: RequestOptions): Promise<void> {
    await this.taskRequest('tasks/cancel', { taskId }, options);
  }

  /**
   * Follows a task to its end: its result; a `JsonRpcError` if it failed; `TaskCancelledError`
   * if cancelled; `TaskExpiredError` if still unfinished past its `ttlMs`. The task's states
   * come by `notifications/tasks` on a `subscriptions/listen` naming it when the server
   * honours that (a backstop `tasks/get` every ten poll intervals), else by polling `tasks/get`
   * at the server's `pollIntervalMs` (`options.notifications: false` polls only). Its questions
   * are answered through the client's `handlers` (each key once) and sent with `tasks/update`.
   */
  waitForTask(taskId: string, options?: WaitForTaskOptions): Promise<CallToolResult> {
    return waitForTask(
      {
        request: (method, params, requestOptions) => this.taskRequest(method, params, requestOptions),
        answer: (request, key, signal) => this.answerInput(request, key, signal),
        watch: (id, requestOptions) =>
          this.era === undefined || this.sessionState !== 'ready'
            ? Promise.resolve(undefined)
            : openTaskWatch(id, requestOptions, (signal) =>
                this.listens.listen(this.withTasks(), { taskIds: [id] }, { signal }),
              ),
      },
      taskId,
      options,
    );
  }

  listResources(params?: ListResourcesParams, options?: RequestOptions): Promise<ListResourcesResult> {
    return this.call('resources/list', params, options, { resources: 'array' }) as Promise<ListResourcesResult>;
  }

  async listAllResources(options?: RequestOptions): Promise<Resource[]> {
    return this.collect(
      (cursor) => this.listResources(cursor === undefined ? undefined : { cursor }, options),
      (page) => page.resources,
    );
  }

  listResourceTemplates(
    params?: ListResourceTemplatesParams,
    options?: RequestOptions,
  ): Promise<ListResourceTemplatesResult> {
    return this.call('resources/templates/list', params, options, {
      resourceTemplates: 'array',
    }) as Promise<ListResourceTemplatesResult>;
  }

  async listAllResourceTemplates(options?: RequestOptions): Promise<ResourceTemplate[]> {
    return this.collect(
      (cursor) => this.listResourceTemplates(cursor === undefined ? undefined : { cursor }, options),
      (page) => page.resourceTemplates,
    );
  }

  readResource(params: ReadResourceParams, options?: RequestOptions): Promise<ReadResourceResult> {
    return this.call('resources/read', params, options, { contents: 'array' }) as Promise<ReadResourceResult>;
  }

  async subscribeResource(uri: string, options?: RequestOptions): Promise<void> {
    await this.call('resources/subscribe', { uri }, options);
  }

  async unsubscribeResource(uri: string, options?: RequestOptions): Promise<void> {
    await this.call('resources/unsubscribe', { uri }, options);
  }

  listPrompts(params?: ListPromptsParams, options?: RequestOptions): Promise<ListPromptsResult> {
    return this.call('prompts/list', params, options, { prompts: 'array' }) as Promise<ListPromptsResult>;
  }

  async listAllPrompts(options?: RequestOptions): Promise<Prompt[]> {
    return this.collect(
      (cursor) => this.listPrompts(cursor === undefined ? undefined : { cursor }, options),
      (page) => page.prompts,
    );
  }

  getPrompt(params: GetPromptParams, options?: RequestOptions): Promise<GetPromptResult> {
    return this.call('prompts/get', params, options, { messages: 'array' }) as Promise<GetPromptResult>;
  }

  async complete(params: CompleteParams, options?: RequestOptions): Promise<CompleteResult> {
    const result = (await this.call('completion/complete', params, options, {
      completion: 'object',
    })) as CompleteResult;
    expectResult(result.completion, 'completion/complete', { values: 'array' });
    return result;
  }

  /** 2026-07-28: no request; the level goes in the `_meta` of every later request. */
  async setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Promise<void> {
    if (this.era !== undefined) {
      this.era.logLevel = level;
      return;
    }
    await this.call('logging/setLevel', { level }, options);
  }

  /**
   * 2026-07-28 `subscriptions/listen`: opens a subscription to the notification types in
   * `filter` (each one opt-in) and resolves once the server acknowledged it, with
   * `honoured` saying what it will send. Iterate it with `for await`, or `on(listener)`;
   * `close()` or aborting `options.signal` ends it. The notifications also reach `on(method)`.
   * On a 2025 session the same API filters the session's notifications, honours what the
   * server's capabilities declare, and subscribes to the URIs with resources/subscribe.
   */
  async listen(filter: SubscriptionFilter, options?: ListenOptions): Promise<Subscription> {
    if (this.sessionState !== 'ready') throw new SessionStateError('subscriptions/listen needs a connected client');
    if (this.era !== undefined) return this.listens.listen(this.era, filter, options);
    const signal = options?.signal;
    if (signal?.aborted) throw new RequestCancelledError('subscriptions/listen', signal.reason);
    const subscription = await this.legacyListens.listen(filter, this.serverCapabilities);
    if (signal !== undefined) {
      const onAbort = (): void => subscription.close();
      signal.addEventListener('abort', onAbort, { once: true });
      void subscription.ended.then(() => signal.removeEventListener('abort', onAbort));
    }
    return subscription;
  }

  /** Drops every cached result (see the `cache` option). */
  clearCache(): void {
    this.cache?.clear();
  }

  /**
   * @internal The `Mcp-Param-{Name}` headers of a tools/call (connectHttp adds them), from
   * the annotations of the tool as listTools last saw it.
   */
  toolParamHeaders(params: JsonObject): Record<string, string> {
    const headers = typeof params.name === 'string' ? this.paramHeaders.get(params.name) : undefined;
    return headers === undefined || headers.length === 0 ? {} : paramHeaderValues(headers, params.arguments);
  }

  /** Tells the server the roots changed (it will then ask roots/list). */
  notifyRootsListChanged(): void {
    this.peer.notify('notifications/roots/list_changed');
  }

  /** Any request by method name, for extensions; the result is only checked to be an object. */
  request(method: string, params?: object, options?: RequestOptions): Promise<JsonObject> {
    return this.call(method, params, options);
  }

  notify(method: string, params?: object): void {
    this.peer.notify(method, params);
  }

  /** Resolves when no server-to-client request is being handled. */
  drain(): Promise<void> {
    return this.peer.drain();
  }

  close(): void {
    if (this.sessionState === 'closed') return;
    this.sessionState = 'closed';
    this.peer.close();
    this.legacyListens.closed(new ConnectionClosedError());
    this.events.emit('close', undefined);
    this.events.clear();
  }

  private async call(
    method: string,
    params: object | undefined,
    options: RequestOptions | undefined,
    fields: Parameters<typeof expectResult>[2] | true = {},
    era = this.era,
  ): Promise<JsonObject> {
    const anyState = fields === true;
    if (this.sessionState === 'closed') throw new SessionStateError('Session is closed');
    if (!anyState && this.sessionState !== 'ready')
      throw new SessionStateError(`${method} needs a connected session; call connect() first`);
    if (era !== undefined) {
      if (LEGACY_ONLY.has(method)) throw new SessionStateError(`${method} does not exist in ${era.protocolVersion}`);
      const answer = (request: InputRequest, key: string): Promise<unknown> =>
        this.answerInput(request, key, options?.signal);
      const asked = (params ?? {}) as JsonObject;
      const cache = this.cache !== undefined && ResultCache.cacheable(method, asked) ? this.cache : undefined;
      const cached = cache?.get(method, asked);
      if (cached !== undefined) return expectResult(cached, method, anyState ? {} : fields);
      const result = await requestModern(this.peer, era, method, params, options, answer);
      cache?.put(method, asked, result);
      return expectResult(result, method, anyState ? {} : fields);
    }
    const result = await this.peer.request(method, params, options);
    return expectResult(result, method, anyState ? {} : fields);
  }

  /** The era with the tasks extension declared: only on the requests that need it, as the extension asks. */
  private withTasks(): ModernEra {
    const era = this.era!;
    const capabilities = era.clientCapabilities;
    const extensions = isPlainObject(capabilities.extensions) ? capabilities.extensions : {};
    return {
      ...era,
      clientCapabilities: { ...capabilities, extensions: { ...extensions, [TASKS_EXTENSION_ID]: {} } },
    };
  }

  private taskRequest(method: string, params: JsonObject, options: RequestOptions | undefined): Promise<JsonObject> {
    if (this.era === undefined)
      throw new SessionStateError(`${method}: the tasks extension needs 2026-07-28 (versionNegotiation)`);
    return this.call(method, params, options, {}, this.withTasks());
  }

  private checkOutput(name: string, result: CallToolResult): CallToolResult {
    const validate = this.validateOutput ? this.outputValidators.get(name) : undefined;
    if (validate && !result.isError) {
      if (result.structuredContent === undefined) throw new OutputValidationError(name, 'no structuredContent');
      const outcome = validate(result.structuredContent);
      if (!outcome.valid) throw new OutputValidationError(name, outcome.message);
    }
    return result;
  }

  /** One question of an input_required result, answered by the handler a server request of that method would reach. */
  private answerInput(request: InputRequest, key: string, signal: AbortSignal | undefined): Promise<unknown> {
    const handler = handlerFor(this.handlers, request.method);
    if (handler === undefined)
      throw new ProtocolViolationError(`the server asked ${request.method}, which this client declared no handler for`);
    return handler((request.params ?? {}) as JsonObject, {
      requestId: key,
      signal: signal ?? new AbortController().signal,
      meta: undefined,
    });
  }

  private async collect<Page extends { nextCursor?: string }, Item>(
    fetch: (cursor: string | undefined) => Promise<Page>,
    items: (page: Page) => Item[],
  ): Promise<Item[]> {
    const all: Item[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await fetch(cursor);
      all.push(...items(page));
      cursor = page.nextCursor;
      // A server repeating a cursor would loop forever.
      if (cursor !== undefined && seen.has(cursor)) break;
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
    return all;
  }

  /** Keeps each tool's header annotations; a tool whose annotations are invalid is left out ("Schema Extension"). */
  private rememberParamHeaders(tools: Tool[]): Tool[] {
    return tools.filter((tool) => {
      const read = readParamHeaders(tool);
      if ('headers' in read) {
        this.paramHeaders.set(tool.name, read.headers);
        return true;
      }
      this.paramHeaders.delete(tool.name);
      this.onError(new ProtocolViolationError(`tool '${tool.name}' left out: ${read.invalid}`));
      return false;
    });
  }

  private rememberOutputSchemas(tools: Tool[]): void {
    for (const tool of tools) {
      this.outputValidators.delete(tool.name);
      if (!isPlainObject(tool.outputSchema)) continue;
      try {
        this.outputValidators.set(tool.name, this.validator.compile(tool.outputSchema));
      } catch (error) {
        // A schema we cannot compile is the server's problem; report it and skip the check.
        this.onError(asError(error));
      }
    }
  }

  private async handleRequest(request: IncomingRequest): Promise<unknown> {
    if (request.method === 'ping') return {};
    const handler = handlerFor(this.handlers, request.method);
    if (handler === undefined) throw new MethodNotFoundError(`Method not found: ${request.method}`);
    const params = objectParams(request.params);
    return handler(params, {
      requestId: request.id,
      signal: request.signal,
      meta: isPlainObject(params._meta) ? (params._meta as Meta) : undefined,
    });
  }

  private handleNotification(notification: JsonRpcNotification): void {
    const method = notification.method;
    const params = isPlainObject(notification.params) ? notification.params : undefined;
    if (this.era === undefined) this.legacyListens.notification(method, params);
    else this.listens.notification(method, params);
    this.cache?.notified(method, params);
    if (isServerNotification(method)) {
      this.events.emit(method, params as ClientSessionEvents[typeof method]);
    }
    this.events.emit('notification', notification);
  }
}

const SERVER_NOTIFICATIONS: ReadonlySet<string> = new Set<keyof ServerNotificationMap>([
  'notifications/message',
  'notifications/progress',
  'notifications/cancelled',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/elicitation/complete',
  'notifications/subscriptions/acknowledged',
]);

function isServerNotification(method: string): method is keyof ServerNotificationMap {
  return SERVER_NOTIFICATIONS.has(method);
}
