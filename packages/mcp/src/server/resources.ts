import type { InputRequiredResult } from '../types/input-requests';
import { asksForInput } from './modern';
import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError } from '../jsonrpc/errors';
import { DefinitionError, ResourceNotFoundError } from '../protocol/errors';
import type { Completion } from '../types/completion';
import type { ReadResourceResult, Resource, ResourceContents, ResourceTemplate } from '../types/resources';
import { type Completer, type CompletionContext, normalizeCompletion } from './completion';
import type { RequestContext } from './context';
import { UriTemplate, type UriVariables } from './uri-template';

/** Contents, or (for a 2026-07-28 request) `ctx.inputRequired(...)` to ask the client first. */
export type ResourceReadResult = ReadResourceResult | ResourceContents[] | InputRequiredResult;

/** A resource with a fixed URI. */
export interface ResourceDefinition extends Resource {
  read(uri: string, ctx: RequestContext): ResourceReadResult | Promise<ResourceReadResult>;
}

/** A family of resources addressed through an RFC 6570 URI template. */
export interface ResourceTemplateDefinition extends ResourceTemplate {
  read(uri: string, variables: UriVariables, ctx: RequestContext): ResourceReadResult | Promise<ResourceReadResult>;
  /** Concrete members to include in resources/list. */
  list?(ctx: RequestContext): Resource[] | Promise<Resource[]>;
  /** Completers for template variables, by variable name (completion/complete with ref/resource). */
  complete?: { [variable: string]: Completer };
}

interface RegisteredTemplate {
  definition: ResourceTemplateDefinition;
  descriptor: ResourceTemplate;
  template: UriTemplate;
}

const RESOURCE_FIELDS = ['title', 'description', 'mimeType', 'size', 'annotations', 'icons', '_meta'] as const;
const TEMPLATE_FIELDS = ['title', 'description', 'mimeType', 'annotations', 'icons', '_meta'] as const;

export class ResourceRegistry {
  private readonly resources = new Map<string, { definition: ResourceDefinition; descriptor: Resource }>();
  private readonly templates = new Map<string, RegisteredTemplate>();

  get size(): number {
    return this.resources.size + this.templates.size;
  }

  get hasCompleters(): boolean {
    return [...this.templates.values()].some(({ definition }) => definition.complete !== undefined);
  }

  add(definition: ResourceDefinition): void {
    if (this.resources.has(definition.uri)) throw new DefinitionError(`Resource ${definition.uri} is already defined`);
    const descriptor: Resource = { uri: definition.uri, name: definition.name };
    copyFields(definition, descriptor, RESOURCE_FIELDS);
    this.resources.set(definition.uri, { definition, descriptor });
  }

  remove(uri: string): boolean {
    return this.resources.delete(uri);
  }

  addTemplate(definition: ResourceTemplateDefinition): void {
    if (this.templates.has(definition.uriTemplate)) {
      throw new DefinitionError(`Resource template ${definition.uriTemplate} is already defined`);
    }
    const descriptor: ResourceTemplate = { uriTemplate: definition.uriTemplate, name: definition.name };
    copyFields(definition, descriptor, TEMPLATE_FIELDS);
    this.templates.set(definition.uriTemplate, {
      definition,
      descriptor,
      template: new UriTemplate(definition.uriTemplate),
    });
  }

  removeTemplate(uriTemplate: string): boolean {
    return this.templates.delete(uriTemplate);
  }

  async list(ctx: RequestContext): Promise<Resource[]> {
    const listed = [...this.resources.values()].map(({ descriptor }) => descriptor);
    for (const { definition } of this.templates.values()) {
      if (definition.list) listed.push(...(await definition.list(ctx)));
    }
    return listed;
  }

  listTemplates(): ResourceTemplate[] {
    return [...this.templates.values()].map(({ descriptor }) => descriptor);
  }

  /** Fixed URIs first, then templates in the order they were added. */
  async read(uri: string, ctx: RequestContext): Promise<ReadResourceResult> {
    const fixed = this.resources.get(uri);
    if (fixed) return normalizeRead(uri, await fixed.definition.read(uri, ctx), ctx);
    for (const { definition, template } of this.templates.values()) {
      const variables = template.match(uri);
      if (variables) return normalizeRead(uri, await definition.read(uri, variables, ctx), ctx);
    }
    throw new ResourceNotFoundError(uri);
  }

  async complete(
    uriTemplate: string,
    variable: string,
    value: string,
    context: CompletionContext,
    ctx: RequestContext,
  ): Promise<Completion> {
    const registered = this.templates.get(uriTemplate);
    if (!registered) throw new InvalidParamsError(`Unknown resource template: ${uriTemplate}`);
    const completer = registered.definition.complete?.[variable];
    if (!completer) return { values: [] };
    return normalizeCompletion(await completer(value, context, ctx));
  }
}

function normalizeRead(uri: string, outcome: unknown, ctx: RequestContext): ReadResourceResult {
  if (asksForInput(outcome, ctx)) return outcome as never;
  const result = Array.isArray(outcome) ? { contents: outcome } : outcome;
  if (!isPlainObject(result) || !Array.isArray(result.contents)) {
    throw new InternalError(`Reading ${uri} produced no contents array`);
  }
  for (const item of result.contents) {
    if (
      !isPlainObject(item) ||
      typeof item.uri !== 'string' ||
      (typeof item.text !== 'string' && typeof item.blob !== 'string')
    ) {
      throw new InternalError(`Reading ${uri} produced contents without uri and text or blob`);
    }
  }
  return result as ReadResourceResult;
}

function copyFields<S extends object, T extends object>(source: S, target: T, fields: readonly string[]): void {
  for (const field of fields) {
    const value = (source as Record<string, unknown>)[field];
    if (value !== undefined) (target as Record<string, unknown>)[field] = value;
  }
}
