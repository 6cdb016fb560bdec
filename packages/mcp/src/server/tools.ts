import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError, JsonRpcError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { DefinitionError } from '../protocol/errors';
import { optionalObject, requireString } from '../protocol/params';
import { type ProtocolVersion, versionAtLeast } from '../protocol/versions';
import type { CallToolResult, ObjectSchema, Tool } from '../types/tools';
import type { JsonSchemaValidator, Validator } from '../validation/json-schema';
import { findNonJsonNumber } from '../validation/json-numbers';
import type { RequestContext } from './context';
import type { ToolArguments, ToolDescription, ToolHandlerResult, ToolJsonSchema } from './tool-definition';

/**
 * Any of the definition forms, as the registry runs it (method syntax: every form's handler
 * fits, whatever its argument type; the schemas have checked the arguments by then).
 */
export interface AnyToolDefinition extends ToolDescription {
  inputSchema?: ToolJsonSchema;
  outputSchema?: ToolJsonSchema;
  handler(args: ToolArguments, ctx: RequestContext): ToolHandlerResult<unknown> | Promise<ToolHandlerResult<unknown>>;
}

interface RegisteredTool {
  definition: AnyToolDefinition;
  descriptor: Tool;
  validateInput: Validator;
  validateOutput: Validator | undefined;
}

export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();

  constructor(private readonly validator: JsonSchemaValidator) {}

  get size(): number {
    return this.tools.size;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** Compiles the schemas now, so a bad schema fails at definition time rather than per call. */
  add(definition: AnyToolDefinition): void {
    if (this.tools.has(definition.name)) throw new DefinitionError(`Tool ${definition.name} is already defined`);
    const inputSchema = definition.inputSchema ?? { type: 'object' as const };
    if (inputSchema.type !== 'object') throw new DefinitionError(`Tool ${definition.name}: inputSchema must have type "object"`);
    if (definition.outputSchema && definition.outputSchema.type !== 'object') {
      throw new DefinitionError(`Tool ${definition.name}: outputSchema must have type "object"`);
    }
    // The wire type is mutable; the definition's schema is shared with it, never changed.
    const descriptor: Tool = { name: definition.name, inputSchema: inputSchema as ObjectSchema };
    if (definition.title !== undefined) descriptor.title = definition.title;
    if (definition.description !== undefined) descriptor.description = definition.description;
    if (definition.outputSchema !== undefined) descriptor.outputSchema = definition.outputSchema as ObjectSchema;
    if (definition.annotations !== undefined) descriptor.annotations = definition.annotations;
    if (definition.icons !== undefined) descriptor.icons = definition.icons;
    if (definition._meta !== undefined) descriptor._meta = definition._meta;
    this.tools.set(definition.name, {
      definition,
      descriptor,
      validateInput: this.validator.compile(inputSchema),
      validateOutput: definition.outputSchema ? this.validator.compile(definition.outputSchema) : undefined,
    });
  }

  remove(name: string): boolean {
    return this.tools.delete(name);
  }

  /** Descriptors as the given revision knows them (outputSchema arrived in 2025-06-18). */
  list(version: ProtocolVersion): Tool[] {
    const structured = versionAtLeast(version, '2025-06-18');
    return [...this.tools.values()].map(({ descriptor }) => {
      if (structured || descriptor.outputSchema === undefined) return descriptor;
      const { outputSchema: _dropped, ...older } = descriptor;
      return older;
    });
  }

  /**
   * Runs a tool. A synchronous handler's result is returned as it is, not wrapped in a
   * promise: the answer can then go out in the same turn as the request came in.
   */
  call(params: JsonObject, ctx: RequestContext, version: ProtocolVersion): CallToolResult | Promise<CallToolResult> {
    const name = requireString(params, 'name');
    const tool = this.tools.get(name);
    if (!tool) throw new InvalidParamsError(`Unknown tool: ${name}`, { data: { name } });
    const args = optionalObject(params, 'arguments') ?? {};

    const input = tool.validateInput(args);
    if (!input.valid) {
      const message = `Invalid arguments for tool ${name}: ${input.message}`;
      // 2025-11-25 (SEP-1303) reports these as tool errors so the model can correct itself;
      // earlier revisions list them among protocol errors.
      if (versionAtLeast(version, '2025-11-25')) return errorResult(message);
      throw new InvalidParamsError(message);
    }

    let raw: ToolHandlerResult<unknown> | PromiseLike<ToolHandlerResult<unknown>>;
    try {
      raw = tool.definition.handler(args, ctx);
    } catch (error) {
      return handlerFailure(error);
    }
    if (isThenable(raw)) {
      return Promise.resolve(raw).then(
        (value) => checkedResult(tool, value, version),
        (error: unknown) => handlerFailure(error),
      );
    }
    return checkedResult(tool, raw, version);
  }
}

/** A handler's throw: an explicit protocol error stays one; anything else is the tool's failure to report. */
function handlerFailure(error: unknown): CallToolResult {
  if (error instanceof JsonRpcError) throw error;
  return errorResult(error instanceof Error ? error.message : String(error));
}

/** The handler's result, completed and checked against the outputSchema, as the revision knows it. */
function checkedResult(tool: RegisteredTool, raw: unknown, version: ProtocolVersion): CallToolResult {
  const name = tool.definition.name;
  const result = normalizeResult(name, raw);
  const bad = result.structuredContent === undefined ? undefined : findNonJsonNumber(result.structuredContent);
  // JSON would send it as null, which the outputSchema (and so the client) refuses: tell the model instead.
  if (bad) return errorResult(`Tool ${name} returned structuredContent with ${String(bad.value)} at ${bad.pointer} (JSON has no NaN or Infinity)`);
  if (tool.validateOutput && !result.isError) {
    if (result.structuredContent === undefined) {
      throw new InternalError(`Tool ${name} has an outputSchema but returned no structuredContent`);
    }
    const output = tool.validateOutput(result.structuredContent);
    if (!output.valid) throw new InternalError(`Tool ${name} returned structuredContent not matching its outputSchema: ${output.message}`);
  }
  if (result.structuredContent === undefined || versionAtLeast(version, '2025-06-18')) return result;
  // structuredContent arrived in 2025-06-18: older clients get the result without it.
  const older = result === raw ? { ...result } : result;
  delete older.structuredContent;
  return older;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * Checks a handler's result. It is returned as it is when nothing needs adding or removing;
 * otherwise a copy is changed, never the handler's own object.
 */
function normalizeResult(name: string, raw: unknown): CallToolResult {
  if (!isPlainObject(raw)) throw new InternalError(`Tool ${name} returned a non-object result`);
  const content = raw.content;
  if (content !== undefined && !(Array.isArray(content) && content.every(isPlainObject))) {
    throw new InternalError(`Tool ${name} returned content that is not an array of content blocks`);
  }
  const structured = raw.structuredContent;
  if (structured !== undefined && !isPlainObject(structured)) {
    throw new InternalError(`Tool ${name} returned structuredContent that is not an object`);
  }
  if (content !== undefined) return raw as unknown as CallToolResult;
  // The spec asks tools returning structured content to mirror it as text for older clients.
  return { ...raw, content: structured === undefined ? [] : [{ type: 'text', text: JSON.stringify(structured) }] } as CallToolResult;
}
