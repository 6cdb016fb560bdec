import { DefinitionError } from '../protocol/errors';
import type { Implementation } from '../types/base';
import type { ServerCapabilities } from '../types/lifecycle';
import type { LoggingLevel } from '../types/logging';
import { JsonSchemaValidator } from '../validation/json-schema';
import { PromptRegistry, type PromptDefinition } from './prompts';
import { ResourceRegistry, type ResourceDefinition, type ResourceTemplateDefinition } from './resources';
import type { CacheHint } from './modern';
import { HandleStore, type HandleStoreOptions } from './handles';
import { RequestStateSigner, type RequestStateOptions } from './request-state';
import { TaskStore, type TaskStoreOptions } from './tasks';
import type { DefinitionChange, DefinitionFollower } from './served-definition';
import { ServerSession, type ServerSessionOptions } from './session';
import type { AnyObjectSchema, ToolArguments, ToolDefinitionOf, ToolSchema } from './tool-definition';
import { type AnyToolDefinition, ToolRegistry } from './tools';

/** true: always declare; false: never; absent: declare when the kind has entries at initialize time. */
export interface CapabilityOptions {
  tools?: boolean;
  resources?: boolean;
  prompts?: boolean;
  completions?: boolean;
  /** Declared unless false. */
  logging?: boolean;
}

export interface ServerDefinitionOptions {
  instructions?: string;
  capabilities?: CapabilityOptions;
  /** Items per page of tools/list, resources/list, resources/templates/list and prompts/list. */
  pageSize?: number;
  /** Threshold for notifications/message until the client sends logging/setLevel. */
  defaultLogLevel?: LoggingLevel;
  /**
   * `ttlMs` and `cacheScope` of the cacheable results sent to 2026-07-28 clients (the lists,
   * resources/read, server/discover). Default `{ ttlMs: 0, cacheScope: 'private' }`: stale at
   * once, and never shared across authorization contexts.
   */
  cache?: Partial<CacheHint>;
  /** How the `requestState` of multi round-trip requests is signed (key, lifetime). */
  requestState?: RequestStateOptions;
  /** Lifetime, poll interval and per-client bound of tasks (tools defined with `task`). */
  tasks?: TaskStoreOptions;
  /** Lifetime and per-client bound of server-minted handles (`ctx.handles`). */
  handles?: HandleStoreOptions;
}

/**
 * What a server offers: its identity, tools, resources and prompts. One definition serves
 * any number of sessions; changes made at run time reach every live session as
 * list_changed notifications.
 *
 * It is the ServedDefinition its sessions read, checked where it makes them, and not
 * declared with `implements`: attach and detach are left out of the published types.
 */
export class McpServerDefinition {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly pageSize: number;
  readonly defaultLogLevel: LoggingLevel;
  readonly cacheHint: Readonly<CacheHint>;
  /** Signs and checks `requestState` for this server's multi round-trip requests. */
  readonly requestStates: RequestStateSigner;
  /** Tasks of tools that run as tasks (2026-07-28 tasks extension), per principal. */
  readonly tasks: TaskStore;
  /** Server-minted handles (`ctx.handles`), per principal. */
  readonly handles: HandleStore;
  readonly tools: ToolRegistry;
  readonly resources = new ResourceRegistry();
  readonly prompts = new PromptRegistry();
  private readonly capabilityOptions: CapabilityOptions;
  private readonly listeners = new Set<(change: DefinitionChange) => void>();
  /** Sessions, told of changes directly: no closure pair per session. */
  private readonly sessions = new Set<DefinitionFollower>();
  /** Shared by every session until the definition changes. */
  private cachedCapabilities: ServerCapabilities | undefined;

  constructor(info: Implementation, options: ServerDefinitionOptions = {}) {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new DefinitionError('pageSize must be a positive integer');
    this.info = info;
    this.instructions = options.instructions;
    this.pageSize = pageSize;
    this.defaultLogLevel = options.defaultLogLevel ?? 'info';
    const ttlMs = options.cache?.ttlMs ?? 0;
    const cacheScope = options.cache?.cacheScope ?? 'private';
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0)
      throw new DefinitionError('cache.ttlMs must be a non-negative integer');
    if (cacheScope !== 'public' && cacheScope !== 'private')
      throw new DefinitionError("cache.cacheScope must be 'public' or 'private'");
    this.cacheHint = Object.freeze({ ttlMs, cacheScope });
    this.requestStates = new RequestStateSigner(options.requestState);
    this.tasks = new TaskStore(options.tasks);
    this.handles = new HandleStore(options.handles);
    this.capabilityOptions = options.capabilities ?? {};
    this.tools = new ToolRegistry(new JsonSchemaValidator());
  }

  /**
   * Adds a tool, its handler's `args` typed from its inputSchema and the structuredContent it
   * returns from its outputSchema; both are checked at run time too.
   */
  addTool<
    Args extends ToolArguments = never,
    const I extends ToolSchema = AnyObjectSchema,
    const O extends ToolSchema | undefined = undefined,
  >(definition: ToolDefinitionOf<Args, I, O>): this {
    this.tools.add(definition as AnyToolDefinition);
    this.emit({ kind: 'tools' });
    return this;
  }

  removeTool(name: string): boolean {
    return this.removed(this.tools.remove(name), 'tools');
  }

  addResource(definition: ResourceDefinition): this {
    this.resources.add(definition);
    this.emit({ kind: 'resources' });
    return this;
  }

  removeResource(uri: string): boolean {
    return this.removed(this.resources.remove(uri), 'resources');
  }

  addResourceTemplate(definition: ResourceTemplateDefinition): this {
    this.resources.addTemplate(definition);
    this.emit({ kind: 'resources' });
    return this;
  }

  removeResourceTemplate(uriTemplate: string): boolean {
    return this.removed(this.resources.removeTemplate(uriTemplate), 'resources');
  }

  addPrompt(definition: PromptDefinition): this {
    this.prompts.add(definition);
    this.emit({ kind: 'prompts' });
    return this;
  }

  removePrompt(name: string): boolean {
    return this.removed(this.prompts.remove(name), 'prompts');
  }

  /** Sends notifications/resources/updated to every session subscribed to `uri`. */
  notifyResourceUpdated(uri: string): void {
    this.emit({ kind: 'resource-updated', uri });
  }

  /** The capabilities a session declares when it initializes now (a frozen object, shared). */
  capabilities(): ServerCapabilities {
    return (this.cachedCapabilities ??= deepFreeze(this.computeCapabilities()));
  }

  private computeCapabilities(): ServerCapabilities {
    const options = this.capabilityOptions;
    const declare = (option: boolean | undefined, present: boolean): boolean => option ?? present;
    const capabilities: ServerCapabilities = {};
    if (declare(options.tools, this.tools.size > 0)) capabilities.tools = { listChanged: true };
    if (declare(options.resources, this.resources.size > 0))
      capabilities.resources = { subscribe: true, listChanged: true };
    if (declare(options.prompts, this.prompts.size > 0)) capabilities.prompts = { listChanged: true };
    if (declare(options.completions, this.prompts.hasCompleters || this.resources.hasCompleters))
      capabilities.completions = {};
    if (options.logging !== false) capabilities.logging = {};
    return capabilities;
  }

  createSession(options: ServerSessionOptions): ServerSession {
    return new ServerSession(this, options);
  }

  /** Sessions listen here; returns the function that stops listening. */
  subscribe(listener: (change: DefinitionChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private removed(done: boolean, kind: 'tools' | 'resources' | 'prompts'): boolean {
    if (done) this.emit({ kind });
    return done;
  }

  /** @internal A session follows this definition's changes until it closes. */
  attach(session: DefinitionFollower): void {
    this.sessions.add(session);
  }

  /** @internal */
  detach(session: DefinitionFollower): void {
    this.sessions.delete(session);
  }

  private emit(change: DefinitionChange): void {
    if (change.kind !== 'resource-updated') this.cachedCapabilities = undefined;
    for (const session of [...this.sessions]) session.definitionChanged(change);
    for (const listener of [...this.listeners]) listener(change);
  }
}

/** Fluent construction of a {@link McpServerDefinition}. */
export class ServerDefinitionBuilder {
  private readonly steps: ((definition: McpServerDefinition) => void)[] = [];

  constructor(
    private readonly info: Implementation,
    private readonly options: ServerDefinitionOptions = {},
  ) {}

  /** See {@link McpServerDefinition.addTool}. */
  tool<
    Args extends ToolArguments = never,
    const I extends ToolSchema = AnyObjectSchema,
    const O extends ToolSchema | undefined = undefined,
  >(definition: ToolDefinitionOf<Args, I, O>): this {
    this.steps.push((target) => target.addTool(definition));
    return this;
  }

  resource(definition: ResourceDefinition): this {
    this.steps.push((target) => target.addResource(definition));
    return this;
  }

  resourceTemplate(definition: ResourceTemplateDefinition): this {
    this.steps.push((target) => target.addResourceTemplate(definition));
    return this;
  }

  prompt(definition: PromptDefinition): this {
    this.steps.push((target) => target.addPrompt(definition));
    return this;
  }

  /** Throws {@link DefinitionError} for duplicates or schemas that do not compile. */
  build(): McpServerDefinition {
    const definition = new McpServerDefinition(this.info, this.options);
    for (const step of this.steps) step(definition);
    return definition;
  }
}

export function defineServer(info: Implementation, options?: ServerDefinitionOptions): ServerDefinitionBuilder {
  return new ServerDefinitionBuilder(info, options);
}

function deepFreeze<T extends object>(value: T): T {
  for (const member of Object.values(value))
    if (typeof member === 'object' && member !== null) deepFreeze(member as object);
  return Object.freeze(value);
}
