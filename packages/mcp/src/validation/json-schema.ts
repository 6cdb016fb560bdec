import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DefinitionError } from '../protocol/errors';

/** The JSON Schema dialects a tool schema may declare through `$schema`. */
export type SchemaDialect = '2020-12' | '2019-09' | 'draft-07';

export type ValidationOutcome = { valid: true } | { valid: false; message: string };

export type Validator = (value: unknown) => ValidationOutcome;

/** Shared by every passing validation: the common outcome allocates nothing. */
const VALID: ValidationOutcome = Object.freeze({ valid: true });

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

/**
 * MCP says a schema without `$schema` is draft 2020-12. http and https spellings of the
 * meta-schema URIs both occur in the wild, hence the loose patterns.
 */
export function schemaDialect(schema: object): SchemaDialect {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') throw new DefinitionError('$schema must be a string');
  if (/json-schema\.org\/draft\/2020-12\/schema#?$/.test(declared)) return '2020-12';
  if (/json-schema\.org\/draft\/2019-09\/schema#?$/.test(declared)) return '2019-09';
  if (/json-schema\.org\/draft-07\/schema#?$/.test(declared)) return 'draft-07';
  throw new DefinitionError(`Unsupported JSON Schema dialect: ${declared}`);
}

/** Compiles JSON Schemas of any supported dialect; one ajv instance per dialect, made on first use. */
export class JsonSchemaValidator {
  private readonly instances = new Map<SchemaDialect, AnyAjv>();

  /** Throws {@link DefinitionError} when the schema is not valid for its dialect. */
  compile(schema: object): Validator {
    const dialect = schemaDialect(schema);
    // The dialect is chosen above; dropping $schema spares ajv resolving meta-schema URI spellings.
    const { $schema: _declared, ...body } = schema as { $schema?: unknown; [key: string]: unknown };
    let validate: ValidateFunction;
    try {
      validate = this.instance(dialect).compile(body);
    } catch (error) {
      throw new DefinitionError(`Invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
    }
    return (value) => {
      if (validate(value)) return VALID;
      const message = (validate.errors ?? [])
        .map((error) => `${error.instancePath === '' ? '(root)' : error.instancePath} ${error.message ?? 'is invalid'}`)
        .join('; ');
      return { valid: false, message };
    };
  }

  private instance(dialect: SchemaDialect): AnyAjv {
    let ajv = this.instances.get(dialect);
    if (!ajv) {
      // strict: false accepts the annotation keywords tool authors add; addUsedSchema: false
      // keeps two tools' schemas with the same $id from colliding in one instance.
      const options = { strict: false, allErrors: true, addUsedSchema: false };
      ajv =
        dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
      addFormats(ajv);
      this.instances.set(dialect, ajv);
    }
    return ajv;
  }
}
