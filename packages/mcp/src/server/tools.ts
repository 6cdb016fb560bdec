import { asksForInput } from './modern';
import { isCreatedTask } from './tasks';
import type { InputRequiredResult } from '../types/input-requests';
import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError, JsonRpcError } from '../jsonrpc/errors';
import type { JsonObject } from '../jsonrpc/types';
import { DefinitionError } from '../protocol/errors';
import { optionalObject, requireString } from '../protocol/params';
import { type ProtocolVersion, versionAtLeast } from '../protocol/versions';
import type { CallToolResult, Tool } from '../types/tools';
import type { JsonSchemaValidator } from '../validation/json-schema';
import { findNonJsonNumber } from '../validation/json-numbers';
import type { CheckOutcome } from '../validation/standard-schema';
import type { RequestContext } from './context';
import type { ToolArguments, ToolDescription, ToolHandlerResult, ToolJsonSchema, ToolSchema } from './tool-definition';
import { compileToolSchema, type ToolCheck } from './tool-schemas';

/**
 * Any of the definition forms, as the registry runs it (method syntax: every form's handler
 * fits, whatever its argument type; the schemas have checked the arguments by then).
 */
export interface AnyToolDefinition extends ToolDescription {
  inputSchema?: ToolSchema;
  inputJsonSchema?: ToolJsonSchema;
  outputSchema?: ToolSchema;
  outputJsonSchema?: ToolJsonSchema;
  handler(
    args: ToolArguments,
    ctx: RequestContext,
  ): ToolHandlerResult<unknown> | InputRequiredResult | Promise<ToolHandlerResult<unknown> | InputRequiredResult>;
}

interface RegisteredTool {
  definition: AnyToolDefinition;
  descriptor: Tool;
  checkInput: ToolCheck;
  checkOutput: ToolCheck | undefined;
}

const ANY_OBJECT = { type: 'object' } as const;

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
    const name = definition.name;
    if (this.tools.has(name)) throw new DefinitionError(`Tool ${name} is already defined`);
    const task = definition.task as unknown;
    if (task !== undefined && task !== 'optional' && task !== 'required')
      throw new DefinitionError(`Tool ${name}: task must be 'optional' or 'required'`);
    const taskStart = definition.taskStart as unknown;
    if (taskStart !== undefined && (task === undefined || (taskStart !== 'call' && taskStart !== 'handler')))
      throw new DefinitionError(`Tool ${name}: taskStart must be 'call' or 'handler', beside a task option`);
    if (definition.inputSchema === undefined && definition.inputJsonSchema !== undefined) {
      throw new DefinitionError(
        `Tool ${name}: inputJsonSchema goes beside a Standard Schema inputSchema, and there is none`,
      );
    }
    if (definition.outputSchema === undefined && definition.outputJsonSchema !== undefined) {
      throw new DefinitionError(
        `Tool ${name}: outputJsonSchema goes beside a Standard Schema outputSchema, and there is none`,
      );
    }
    const input = compileToolSchema(
      name,
      'inputSchema',
      definition.inputSchema ?? ANY_OBJECT,
      definition.inputJsonSchema,
      this.validator,
    );
    const output =
      definition.outputSchema === undefined
        ? undefined
        : compileToolSchema(name, 'outputSchema', definition.outputSchema, definition.outputJsonSchema, this.validator);
    // The wire type is mutable; the definition's schema is shared with it, never changed.
    const descriptor: Tool = { name, inputSchema: input.json };
    if (definition.title !== undefined) descriptor.title = definition.title;
    if (definition.description !== undefined) descriptor.description = definition.description;
    if (output !== undefined) descriptor.outputSchema = output.json;
    if (definition.annotations !== undefined) descriptor.annotations = definition.annotations;
    if (definition.icons !== undefined) descriptor.icons = definition.icons;
    if (definition._meta !== undefined) descriptor._meta = definition._meta;
    this.tools.set(name, { definition, descriptor, checkInput: input.check, checkOutput: output?.check });
  }

  /** The wire descriptor of one tool (its inputSchema carries any `x-mcp-header` annotations). */
  descriptor(name: string): Tool | undefined {
    return this.tools.get(name)?.descriptor;
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

  /** How the tool runs as a task, if it does (its definition's `task`). */
  taskMode(name: string): 'optional' | 'required' | undefined {
    return this.tools.get(name)?.definition.task;
  }

  /** When the tool's task starts: at the call (the default) or when its handler returns `ctx.runAsTask`. */
  taskStart(name: string): 'call' | 'handler' {
    return this.tools.get(name)?.definition.taskStart ?? 'call';
  }

  /**
   * A tool's result made apart from its handler's return (the work of `ctx.runAsTask`): checked
   * and completed as a handler's result is, a throw reported as a handler's throw is.
   */
  settle(name: string, produce: () => unknown, version: ProtocolVersion): CallToolResult | Promise<CallToolResult> {
    const tool = this.tools.get(name);
    if (!tool) throw new InvalidParamsError(`Unknown tool: ${name}`, { data: { name } });
    let raw: unknown;
    try {
      raw = produce();
    } catch (error) {
      return handlerFailure(error);
    }
    if (isThenable(raw))
      return Promise.resolve(raw).then(
        (result) => checkedResult(tool, result, version),
        (error: unknown) => handlerFailure(error),
      );
    return checkedResult(tool, raw, version);
  }

  /** True when a tool runs as a task: the server then offers the tasks extension. */
  get hasTaskTools(): boolean {
    for (const { definition } of this.tools.values()) if (definition.task !== undefined) return true;
    return false;
  }

  /**
   * Runs a tool. When the handler and the validators are synchronous, the result is returned
   * as it is, not wrapped in a promise: the answer can then go out in the same turn as the
   * request came in.
   */
  call(params: JsonObject, ctx: RequestContext, version: ProtocolVersion): CallToolResult | Promise<CallToolResult> {
    const name = requireString(params, 'name');
    const tool = this.tools.get(name);
    if (!tool) throw new InvalidParamsError(`Unknown tool: ${name}`, { data: { name } });
    const args = optionalObject(params, 'arguments') ?? {};
    return andThen(check(tool, 'inputSchema', args), (input) => run(tool, args, input, ctx, version));
  }
}

/** The handler's turn, once the arguments are checked. */
function run(
  tool: RegisteredTool,
  args: JsonObject,
  input: CheckOutcome,
  ctx: RequestContext,
  version: ProtocolVersion,
): CallToolResult | Promise<CallToolResult> {
  const name = tool.definition.name;
  if (!input.valid) {
    const message = `Invalid arguments for tool ${name}: ${input.message}`;
    // 2025-11-25 (SEP-1303) reports these as tool errors so the model can correct itself;
    // earlier revisions list them among protocol errors.
    if (versionAtLeast(version, '2025-11-25')) return errorResult(message);
    throw new InvalidParamsError(message);
  }
  // A Standard Schema validator's output (defaults filled in, transforms applied) is what the handler gets.
  const value = 'value' in input ? (input.value as ToolArguments) : args;
  let raw:
    ToolHandlerResult<unknown> | InputRequiredResult | PromiseLike<ToolHandlerResult<unknown> | InputRequiredResult>;
  try {
    raw = tool.definition.handler(value, ctx);
  } catch (error) {
    return handlerFailure(error);
  }
  if (isThenable(raw)) {
    return Promise.resolve(raw).then(
      (result) => (passesThrough(result, ctx) ? (result as never) : checkedResult(tool, result, version)),
      (error: unknown) => handlerFailure(error),
    );
  }
  return passesThrough(raw, ctx) ? (raw as never) : checkedResult(tool, raw, version);
}

/** An input_required result, or the CreateTaskResult of `ctx.runAsTask`: sent as they are, not checked as a tool result. */
function passesThrough(raw: unknown, ctx: RequestContext): boolean {
  return asksForInput(raw, ctx) || isCreatedTask(raw);
}

/** Runs a check; a validator that throws or rejects is the server's fault, not the caller's. */
function check(
  tool: RegisteredTool,
  which: 'inputSchema' | 'outputSchema',
  value: unknown,
): CheckOutcome | Promise<CheckOutcome> {
  let outcome: CheckOutcome | Promise<CheckOutcome>;
  try {
    outcome = (which === 'inputSchema' ? tool.checkInput : tool.checkOutput!)(value);
  } catch (error) {
    return validatorFailed(tool, which, error);
  }
  return isThenable(outcome)
    ? Promise.resolve(outcome).catch((error: unknown) => validatorFailed(tool, which, error))
    : outcome;
}

function validatorFailed(tool: RegisteredTool, which: 'inputSchema' | 'outputSchema', error: unknown): never {
  throw new InternalError(
    `Tool ${tool.definition.name}: its ${which} validator threw: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** `f(value)`, at once for a plain value, after it settles for a promise. */
function andThen<T, R>(value: T | Promise<T>, f: (value: T) => R | Promise<R>): R | Promise<R> {
  return isThenable(value) ? Promise.resolve(value).then(f) : f(value);
}

/** A handler's throw: an explicit protocol error stays one; anything else is the tool's failure to report. */
function handlerFailure(error: unknown): CallToolResult {
  if (error instanceof JsonRpcError) throw error;
  return errorResult(error instanceof Error ? error.message : String(error));
}

/** The handler's result, checked against the outputSchema and completed, as the revision knows it. */
function checkedResult(
  tool: RegisteredTool,
  raw: unknown,
  version: ProtocolVersion,
): CallToolResult | Promise<CallToolResult> {
  const name = tool.definition.name;
  const result = checkShape(name, raw);
  const refused = nonJsonNumber(name, result.structuredContent);
  if (refused) return refused;
  if (!tool.checkOutput || result.isError) return completed(result, result.structuredContent, version);
  const structured = result.structuredContent;
  if (structured === undefined)
    throw new InternalError(`Tool ${name} has an outputSchema but returned no structuredContent`);
  return andThen(check(tool, 'outputSchema', structured), (output) => {
    if (!output.valid)
      throw new InternalError(
        `Tool ${name} returned structuredContent not matching its outputSchema: ${output.message}`,
      );
    if (!('value' in output) || output.value === structured) return completed(result, structured, version);
    // What a Standard Schema validator made of it (extra keys stripped, defaults filled in) is what is sent.
    if (!isPlainObject(output.value))
      throw new InternalError(`Tool ${name}: its outputSchema validator returned a non-object`);
    return nonJsonNumber(name, output.value) ?? completed(result, output.value, version);
  });
}

/** JSON would send NaN or ±Infinity as null, which the outputSchema (and so the client) refuses: tell the model instead. */
function nonJsonNumber(name: string, structured: unknown): CallToolResult | undefined {
  const bad = structured === undefined ? undefined : findNonJsonNumber(structured);
  return (
    bad &&
    errorResult(
      `Tool ${name} returned structuredContent with ${String(bad.value)} at ${bad.pointer} (JSON has no NaN or Infinity)`,
    )
  );
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Checks the shape of a handler's result; the object is the handler's, and is never changed. */
function checkShape(name: string, raw: unknown): CallToolResult {
  if (!isPlainObject(raw)) throw new InternalError(`Tool ${name} returned a non-object result`);
  const content = raw.content;
  if (content !== undefined && !(Array.isArray(content) && content.every(isPlainObject))) {
    throw new InternalError(`Tool ${name} returned content that is not an array of content blocks`);
  }
  const structured = raw.structuredContent;
  if (structured !== undefined && !isPlainObject(structured)) {
    throw new InternalError(`Tool ${name} returned structuredContent that is not an object`);
  }
  return raw as unknown as CallToolResult;
}

/**
 * The result to send: the handler's own object when nothing needs adding, replacing or
 * removing; otherwise a copy. Missing content mirrors the structuredContent as text (the
 * spec asks this for older clients); structuredContent, new in 2025-06-18, is dropped for
 * older revisions.
 */
function completed(
  result: CallToolResult,
  structured: CallToolResult['structuredContent'],
  version: ProtocolVersion,
): CallToolResult {
  const keep = structured !== undefined && versionAtLeast(version, '2025-06-18');
  const content =
    (result.content as CallToolResult['content'] | undefined) ??
    (structured === undefined ? [] : [{ type: 'text' as const, text: JSON.stringify(structured) }]);
  if (content === result.content && structured === result.structuredContent && (keep || structured === undefined))
    return result;
  const copy: CallToolResult = { ...result, content };
  if (keep) copy.structuredContent = structured;
  else delete copy.structuredContent;
  return copy;
}
