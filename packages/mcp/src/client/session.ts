import { isPlainObject } from '../jsonrpc/codec';
import { type JsonRpcError, MethodNotFoundError } from '../jsonrpc/errors';
import type { JsonLimits } from '../jsonrpc/json-limits';
import type { JsonObject, JsonRpcNotification, JsonRpcPayload, RequestId, SendFn } from '../jsonrpc/types';
import { Emitter } from '../protocol/emitter';
import { OutputValidationError, SessionStateError, UnsupportedProtocolVersionError } from '../protocol/errors';
import { objectParams } from '../protocol/params';
import { asError, type IncomingRequest, Peer, type RequestOptions } from '../protocol/peer';
import { expectResult } from '../protocol/results';
import {
  allowsBatches,
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  type ProtocolVersion,
} from '../protocol/versions';
import type { Implementation, Meta } from '../types/base';
import type { CompleteParams, CompleteResult } from '../types/completion';
import type { ElicitParams, ElicitResult } from '../types/elicitation';
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
import type { ListRootsResult, Root } from '../types/roots';
import type { CreateMessageParams, CreateMessageResult } from '../types/sampling';
import type { CallToolParams, CallToolResult, ListToolsParams, ListToolsResult, Tool } from '../types/tools';
import { JsonSchemaValidator, type Validator } from '../validation/json-schema';

export interface ClientRequestContext {
  readonly requestId: RequestId;
  /** Aborted when the server cancels the request or the session closes. */
  readonly signal: AbortSignal;
  readonly meta: Meta | undefined;
}

/** Answers to server-to-client requests; each one present declares the matching capability. */
export interface ClientHandlers {
  createMessage?(params: CreateMessageParams, ctx: ClientRequestContext): CreateMessageResult | Promise<CreateMessageResult>;
  elicit?(params: ElicitParams, ctx: ClientRequestContext): ElicitResult | Promise<ElicitResult>;
  listRoots?(ctx: ClientRequestContext): Root[] | ListRootsResult | Promise<Root[] | ListRootsResult>;
}

export interface ClientSessionOptions {
  send: SendFn;
  clientInfo: Implementation;
  /** Merged with the capabilities implied by `handlers`. */
  capabilities?: ClientCapabilities;
  handlers?: ClientHandlers;
  /** The revision to ask for; defaults to the latest. */
  protocolVersion?: ProtocolVersion;
  onError?: (error: Error) => void;
  maxFrameBytes?: number;
  /** Bounds on each frame from the server, checked before it is parsed: as `ServerSessionOptions.jsonLimits`. */
  jsonLimits?: JsonLimits;
  /** Default timeout of requests to the server; 60 s, 0 for none. Progress restarts it. */
  requestTimeoutMs?: number;
  /** Check structuredContent against the outputSchema seen in listTools (default true). */
  validateToolOutput?: boolean;
}

export type ClientSessionState = 'new' | 'connecting' | 'ready' | 'closed';

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
      send: options.send,
      onRequest: (request) => this.handleRequest(request),
      onNotification: (notification) => this.handleNotification(notification),
      onError: this.onError,
      batching: () => ({ allow: allowsBatches(this.version), protocolVersion: this.version }),
      maxFrameBytes: options.maxFrameBytes,
      jsonLimits: options.jsonLimits,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    });
  }

  get state(): ClientSessionState {
    return this.sessionState;
  }

  get protocolVersion(): ProtocolVersion | undefined {
    return this.version;
  }

  get serverInfo(): Implementation | undefined {
    return this.initializeResult?.serverInfo;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.initializeResult?.capabilities;
  }

  get instructions(): string | undefined {
    return this.initializeResult?.instructions;
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
  async connect(options?: Omit<RequestOptions, 'onProgress'>): Promise<InitializeResult> {
    if (this.sessionState !== 'new') throw new SessionStateError(`connect() called in state ${this.sessionState}`);
    this.sessionState = 'connecting';
    try {
      // The spec forbids cancelling initialize, so a timeout or abort sends no notifications/cancelled.
      const raw = await this.peer.request(
        'initialize',
        { protocolVersion: this.requestedVersion, capabilities: this.capabilities, clientInfo: this.options.clientInfo },
        options,
        false,
      );
      const result = expectResult(raw, 'initialize', { protocolVersion: 'string', capabilities: 'object', serverInfo: 'object' });
      if (!isSupportedProtocolVersion(result.protocolVersion)) throw new UnsupportedProtocolVersionError(result.protocolVersion);
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

  async ping(options?: RequestOptions): Promise<void> {
    await this.call('ping', undefined, options, true);
  }

  async listTools(params?: ListToolsParams, options?: RequestOptions): Promise<ListToolsResult> {
    const result = (await this.call('tools/list', params, options, { tools: 'array' })) as ListToolsResult;
    this.rememberOutputSchemas(result.tools);
    return result;
  }

  /** Follows nextCursor until the server has listed every tool. */
  async listAllTools(options?: RequestOptions): Promise<Tool[]> {
    return this.collect((cursor) => this.listTools(cursor === undefined ? undefined : { cursor }, options), (page) => page.tools);
  }

  /**
   * Calls a tool. A tool's own failure is a result with isError; protocol errors (unknown
   * tool, bad params) reject with a JsonRpcError subclass.
   */
  async callTool(params: CallToolParams, options?: RequestOptions): Promise<CallToolResult> {
    const result = (await this.call('tools/call', params, options, { content: 'array' })) as CallToolResult;
    const validate = this.validateOutput ? this.outputValidators.get(params.name) : undefined;
    if (validate && !result.isError) {
      if (result.structuredContent === undefined) throw new OutputValidationError(params.name, 'no structuredContent');
      const outcome = validate(result.structuredContent);
      if (!outcome.valid) throw new OutputValidationError(params.name, outcome.message);
    }
    return result;
  }

  listResources(params?: ListResourcesParams, options?: RequestOptions): Promise<ListResourcesResult> {
    return this.call('resources/list', params, options, { resources: 'array' }) as Promise<ListResourcesResult>;
  }

  async listAllResources(options?: RequestOptions): Promise<Resource[]> {
    return this.collect((cursor) => this.listResources(cursor === undefined ? undefined : { cursor }, options), (page) => page.resources);
  }

  listResourceTemplates(params?: ListResourceTemplatesParams, options?: RequestOptions): Promise<ListResourceTemplatesResult> {
    return this.call('resources/templates/list', params, options, { resourceTemplates: 'array' }) as Promise<ListResourceTemplatesResult>;
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
    return this.collect((cursor) => this.listPrompts(cursor === undefined ? undefined : { cursor }, options), (page) => page.prompts);
  }

  getPrompt(params: GetPromptParams, options?: RequestOptions): Promise<GetPromptResult> {
    return this.call('prompts/get', params, options, { messages: 'array' }) as Promise<GetPromptResult>;
  }

  async complete(params: CompleteParams, options?: RequestOptions): Promise<CompleteResult> {
    const result = (await this.call('completion/complete', params, options, { completion: 'object' })) as CompleteResult;
    expectResult(result.completion, 'completion/complete', { values: 'array' });
    return result;
  }

  async setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Promise<void> {
    await this.call('logging/setLevel', { level }, options);
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
    this.events.emit('close', undefined);
    this.events.clear();
  }

  private async call(
    method: string,
    params: object | undefined,
    options: RequestOptions | undefined,
    fields: Parameters<typeof expectResult>[2] | true = {},
  ): Promise<JsonObject> {
    const anyState = fields === true;
    if (this.sessionState === 'closed') throw new SessionStateError('Session is closed');
    if (!anyState && this.sessionState !== 'ready') throw new SessionStateError(`${method} needs a connected session; call connect() first`);
    const result = await this.peer.request(method, params, options);
    return expectResult(result, method, anyState ? {} : fields);
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
    const params = objectParams(request.params);
    const ctx: ClientRequestContext = {
      requestId: request.id,
      signal: request.signal,
      meta: isPlainObject(params._meta) ? (params._meta as Meta) : undefined,
    };
    switch (request.method) {
      case 'ping':
        return {};
      case 'sampling/createMessage':
        if (!this.handlers.createMessage) break;
        return this.handlers.createMessage(params as unknown as CreateMessageParams, ctx);
      case 'elicitation/create':
        if (!this.handlers.elicit) break;
        return this.handlers.elicit(params as unknown as ElicitParams, ctx);
      case 'roots/list': {
        if (!this.handlers.listRoots) break;
        const roots = await this.handlers.listRoots(ctx);
        return Array.isArray(roots) ? { roots } : roots;
      }
      default:
        break;
    }
    throw new MethodNotFoundError(`Method not found: ${request.method}`);
  }

  private handleNotification(notification: JsonRpcNotification): void {
    const method = notification.method;
    if (isServerNotification(method)) {
      const params = isPlainObject(notification.params) ? notification.params : undefined;
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
]);

function isServerNotification(method: string): method is keyof ServerNotificationMap {
  return SERVER_NOTIFICATIONS.has(method);
}
