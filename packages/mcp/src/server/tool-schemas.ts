import { DefinitionError, SchemaConversionError } from '../protocol/errors';
import type { ObjectSchema } from '../types/tools';
import type { JsonSchemaValidator } from '../validation/json-schema';
import {
  type CheckOutcome,
  checkWith,
  isStandardSchema,
  jsonSchemaConverter,
  type StandardSchemaV1,
} from '../validation/standard-schema';
import type { ToolJsonSchema, ToolSchema } from './tool-definition';

/** A check of a tool's arguments or structuredContent: synchronous unless the validator is not. */
export type ToolCheck = (value: unknown) => CheckOutcome | Promise<CheckOutcome>;

/** One of a tool's schemas, ready: what tools/list shows, and how a value is checked. */
export interface CompiledToolSchema {
  json: ObjectSchema;
  check: ToolCheck;
}

type Which = 'inputSchema' | 'outputSchema';

/**
 * Compiles one declared schema, now, so a bad one fails at definition time. A JSON Schema is
 * compiled by ajv; a Standard Schema validator checks values itself, and its JSON Schema is
 * `jsonSchema` when given, or else what the library converts it to (its input side for
 * arguments, its output side for structuredContent, since the validator's output is what is
 * sent).
 */
export function compileToolSchema(
  tool: string,
  which: Which,
  schema: ToolSchema,
  jsonSchema: ToolJsonSchema | undefined,
  ajv: JsonSchemaValidator,
): CompiledToolSchema {
  if (isStandardSchema(schema)) {
    const json = jsonSchema ?? convert(tool, which, schema);
    requireObjectType(tool, which, json);
    return { json: json as ObjectSchema, check: (value) => checkWith(schema, value) };
  }
  if (jsonSchema !== undefined) {
    throw new DefinitionError(
      `Tool ${tool}: ${which} is a JSON Schema already; ${jsonOption(which)} goes beside a Standard Schema validator`,
    );
  }
  requireObjectType(tool, which, schema);
  return { json: schema as ObjectSchema, check: ajv.compile(schema) };
}

function convert(tool: string, which: Which, schema: StandardSchemaV1): ToolJsonSchema {
  const vendor = schema['~standard'].vendor;
  const converter = jsonSchemaConverter(schema);
  if (converter === undefined)
    throw new SchemaConversionError(
      tool,
      which,
      vendor,
      `${vendor} does not implement Standard JSON Schema (~standard.jsonSchema)`,
    );
  let json: Record<string, unknown>;
  try {
    // 2020-12: the MCP default dialect, which our ajv and the SDK clients' read.
    json = converter[which === 'inputSchema' ? 'input' : 'output']({ target: 'draft-2020-12' });
  } catch (error) {
    throw new SchemaConversionError(tool, which, vendor, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  return json as unknown as ToolJsonSchema;
}

function requireObjectType(tool: string, which: Which, schema: { type?: unknown }): void {
  if (schema.type !== 'object') throw new DefinitionError(`Tool ${tool}: ${which} must have type "object"`);
}

function jsonOption(which: Which): string {
  return which === 'inputSchema' ? 'inputJsonSchema' : 'outputJsonSchema';
}
