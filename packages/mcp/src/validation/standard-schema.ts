/**
 * Standard Schema validators (https://standardschema.dev): zod 3.24+ and 4, valibot 1,
 * arktype 2 and others implement `~standard`. This module knows only that interface; it
 * imports no validation library.
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';

export type { StandardJSONSchemaV1, StandardSchemaV1 };

/** A check's verdict; a validator may hand back a value of its own (defaults, transforms). */
export type CheckOutcome = { valid: true; value?: unknown } | { valid: false; message: string };

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  // arktype's types are functions, zod's and valibot's plain objects.
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

/** The converter of a validator that implements Standard JSON Schema, if it does. */
export function jsonSchemaConverter(schema: StandardSchemaV1): StandardJSONSchemaV1.Converter | undefined {
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  return typeof converter?.input === 'function' && typeof converter.output === 'function' ? converter : undefined;
}

/**
 * Runs the validator; its result is returned as it came, synchronous when the validator is,
 * so a synchronous tool still answers in the same turn. Issues become one message of
 * `<JSON Pointer> <message>` parts, as ajv's errors are reported.
 */
export function checkWith(schema: StandardSchemaV1, value: unknown): CheckOutcome | Promise<CheckOutcome> {
  const result = schema['~standard'].validate(value);
  return typeof (result as Partial<PromiseLike<unknown>>).then === 'function'
    ? Promise.resolve(result).then(outcomeOf)
    : outcomeOf(result as StandardSchemaV1.Result<unknown>);
}

function outcomeOf(result: StandardSchemaV1.Result<unknown>): CheckOutcome {
  // The spec: a falsy `issues` is success.
  if (!result.issues) return { valid: true, value: (result as StandardSchemaV1.SuccessResult<unknown>).value };
  return {
    valid: false,
    message: result.issues.map((issue) => `${pointerOf(issue.path)} ${issue.message}`).join('; '),
  };
}

function pointerOf(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined || path.length === 0) return '(root)';
  return path
    .map((segment) => {
      const key = typeof segment === 'object' ? segment.key : segment;
      return `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    })
    .join('');
}
