import type { InputRequiredResult } from '../types/input-requests';
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Icon, Meta } from '../types/base';
import type { ContentBlock } from '../types/content';
import type { ToolAnnotations } from '../types/tools';
import type { RequestContext } from './context';
import type { argumentsType, JsonSchemaFor } from './json-schema-for';

/** A tool's arguments when nothing narrows them. */
export type ToolArguments = { [name: string]: unknown };

/** A tool's structuredContent when nothing narrows it. */
export type StructuredContent = { [key: string]: unknown };

/**
 * A JSON Schema for an object (draft 2020-12 unless `$schema` names draft-07 or 2019-09), as
 * a tool declares it. Written inline, or `as const`, its literal type is what the handler's
 * types are inferred from.
 */
export interface ToolJsonSchema {
  readonly $schema?: string;
  readonly type: 'object';
  readonly properties?: { readonly [name: string]: object | boolean };
  readonly required?: readonly string[];
  readonly [keyword: string]: unknown;
}

/**
 * A Standard Schema validator of objects: zod 3.24+ and 4, valibot 1, arktype 2... It checks
 * values itself; tools/list shows its JSON Schema (see {@link InferredToolDefinition}).
 */
export type ToolValidator = StandardSchemaV1<unknown, object>;

/** What a tool's inputSchema or outputSchema may be. */
export type ToolSchema = ToolJsonSchema | ToolValidator;

/** The schema a tool declares when it declares none: any object. */
export type AnyObjectSchema = { readonly type: 'object' };

/** What a tool handler returns. `content` may be left out when structuredContent is given. */
export interface ToolHandlerResult<Structured = StructuredContent> {
  content?: ContentBlock[];
  structuredContent?: Structured;
  isError?: boolean;
  _meta?: Meta;
  [key: string]: unknown;
}

/** Everything about a tool but its schemas and its handler. */
export interface ToolDescription {
  name: string;
  title?: string;
  description?: string;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: Meta;
  /**
   * Runs the tool as a task of the tasks extension (`io.modelcontextprotocol/tasks`,
   * 2026-07-28): the call is answered at once with a task the client polls. 'optional': only
   * when the request declares the extension (otherwise, and when the client's task share is
   * full, the call is answered inline); 'required': a request without it gets -32021.
   */
  task?: 'optional' | 'required';
  /**
   * When a task tool's task starts. 'call' (the default): as soon as the call arrives, and the
   * handler runs in it (it asks through `tasks/update`). 'handler': the handler runs in the
   * request first, where it may ask by multi round-trip (`ctx.ask`, answered `input_required`,
   * then retried), and becomes a task when it returns `ctx.runAsTask(work)`: the call is then
   * answered with the task, and `work` runs in it (tasks.md: MRTR exchanges before a task is
   * created are resolved synchronously, before the `CreateTaskResult`).
   */
  taskStart?: 'call' | 'handler';
}

type Awaitable<T> = T | Promise<T>;

/**
 * A tool whose argument type is given (`ToolDefinition<{ city: string }>`, or `.tool<Args>`):
 * its inputSchema must back that type: a JSON Schema that fits it (see {@link JsonSchemaFor}),
 * or a validator whose output is Args. It may be left out only when Args is any object
 * (`{ type: 'object' }` is then the schema).
 */
export type ToolDefinition<Args extends ToolArguments = ToolArguments> = ToolDescription &
  (string extends keyof Args ? { inputSchema?: InputSchemaFor<Args> } : { inputSchema: InputSchemaFor<Args> }) & {
    /** The JSON Schema tools/list shows for a validator inputSchema that offers none. */
    inputJsonSchema?: ToolJsonSchema;
    /** When set, every successful result must carry structuredContent matching it. */
    outputSchema?: ToolSchema;
    /** The JSON Schema tools/list shows for a validator outputSchema that offers none. */
    outputJsonSchema?: ToolJsonSchema;
    /** Arguments arrive already validated against inputSchema. A throw becomes an isError result. */
    handler: (args: Args, ctx: RequestContext) => Awaitable<ToolHandlerResult | InputRequiredResult>;
  };

type InputSchemaFor<Args> = JsonSchemaFor<Args> | StandardSchemaV1<unknown, Args>;

/**
 * A tool whose types come from its schemas: the handler's `args` from the inputSchema, the
 * structuredContent it returns from the outputSchema. Each schema is a JSON Schema literal
 * or a Standard Schema validator; a validator's JSON Schema for tools/list is its own
 * (Standard JSON Schema, `~standard.jsonSchema`, as zod 4 and arktype 2 have) or, for
 * libraries without it (valibot 1), `inputJsonSchema` / `outputJsonSchema`, then required.
 */
export type InferredToolDefinition<I, O> = ToolDescription & {
  /** Defaults to `{ type: 'object' }`. A JSON Schema is draft 2020-12 unless `$schema` names draft-07 or 2019-09. */
  inputSchema?: I;
  /** When set, every successful result must carry structuredContent matching it. */
  outputSchema?: O;
  /** Arguments arrive already validated by inputSchema. A throw becomes an isError result. */
  handler: (
    args: NoInfer<ArgumentsOf<I>>,
    ctx: RequestContext,
  ) => Awaitable<ToolHandlerResult<NoInfer<StructuredOf<O>>> | InputRequiredResult>;
} & InputJsonSchemaOption<JsonSchemaNeed<I>> &
  OutputJsonSchemaOption<JsonSchemaNeed<O>>;

/** Whether a schema needs a JSON Schema beside it: a validator without Standard JSON Schema does. */
type JsonSchemaNeed<S> = [S] extends [StandardSchemaV1]
  ? [S] extends [StandardJSONSchemaV1]
    ? 'optional'
    : 'required'
  : [S] extends [ToolJsonSchema | undefined]
    ? 'none'
    : 'optional';

type InputJsonSchemaOption<Need> = Need extends 'required'
  ? { /** The JSON Schema tools/list shows: this validator offers none. */ inputJsonSchema: ToolJsonSchema }
  : Need extends 'optional'
    ? { /** Shown by tools/list instead of the validator's own conversion. */ inputJsonSchema?: ToolJsonSchema }
    : { inputJsonSchema?: never };

type OutputJsonSchemaOption<Need> = Need extends 'required'
  ? { /** The JSON Schema tools/list shows: this validator offers none. */ outputJsonSchema: ToolJsonSchema }
  : Need extends 'optional'
    ? { /** Shown by tools/list instead of the validator's own conversion. */ outputJsonSchema?: ToolJsonSchema }
    : { outputJsonSchema?: never };

/**
 * What `.tool(...)` takes: with a type argument (`.tool<Args>(...)`), a {@link ToolDefinition}
 * of those arguments; without one (Args is then `never`), an {@link InferredToolDefinition}
 * typed from its schemas.
 */
export type ToolDefinitionOf<Args extends ToolArguments, I, O> = [Args] extends [never]
  ? InferredToolDefinition<I, O>
  : ToolDefinition<NoInfer<Args>>;

/** The type of the values a schema accepts: its own for a literal, ToolArguments for a wide `ToolJsonSchema`. */
type FromLiteral<S, Wide> = string extends keyof S ? Wide : S extends JSONSchema ? FromSchema<S> : Wide;

/** The arguments a handler receives when its inputSchema is S: a validator's output, or the JSON Schema's type. */
export type ArgumentsOf<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : S extends { readonly [argumentsType]?: infer Args }
    ? unknown extends Args
      ? FromLiteral<S, ToolArguments>
      : Args
    : FromLiteral<S, ToolArguments>;

/** The structuredContent a handler returns when its outputSchema is S: a validator's input, or the JSON Schema's type. */
export type StructuredOf<S> = [S] extends [undefined]
  ? StructuredContent
  : S extends StandardSchemaV1
    ? StandardSchemaV1.InferInput<S>
    : FromLiteral<S, StructuredContent>;
