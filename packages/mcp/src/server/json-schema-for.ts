/**
 * `JsonSchemaFor<T>`: the JSON Schema literals that back an explicit argument type T, for
 * `.tool<Args>(...)`. TypeScript cannot infer the schema's own type once the caller gives a
 * type argument, so the check runs the other way: T decides which schemas its `inputSchema`
 * may be. A schema fits when every value it accepts has type T, keyword by keyword:
 *
 * - `type` names only types T has room for all of (`'string'` needs `string`, not a union of
 *   string literals; `'number'` and `'integer'` need `number`), or `enum` / `const` list
 *   values of T, or `anyOf` / `oneOf` hold schemas that each fit;
 * - an object schema describes every property of T in `properties`, and has `required`
 *   when T has required properties;
 * - an array schema has `items` that fit T's elements.
 *
 * What it cannot see: which names `required` lists (only that it is there); tuples, and
 * unions mixing objects or arrays with other types (any schema passes for those); keywords
 * such as `allOf`, `not` or `pattern` next to a checked `type`. A `$ref` is taken on trust:
 * this is the form for recursive schemas, which inference (json-schema-to-ts) cannot follow.
 * Leaving the type argument out has the schema's own type inferred, `required` included.
 */

/** Marks a schema type with the argument type it was checked against (never present at run time). */
export declare const argumentsType: unique symbol;

/** Keywords a schema may hold besides those checked against T (descriptions, bounds, formats...). */
type OtherKeywords = { readonly [keyword: string]: unknown };

/** Any JSON Schema: what a property of type `unknown` may have. */
type AnySchema = boolean | object;

export type JsonSchemaFor<T> = ObjectSchemaFor<T> & { readonly [argumentsType]?: T };

type ValueSchemaFor<V> = unknown extends V
  ? AnySchema
  : [V] extends [null | string | number | boolean]
    ? PrimitiveSchemaFor<V> | ChoiceFor<V>
    : [V] extends [readonly unknown[]]
      ? ArraySchemaFor<V> | ChoiceFor<V>
      : [V] extends [object]
        ? ObjectSchemaFor<V> | ChoiceFor<V>
        : AnySchema;

/** The `type` names whose every value is a V. */
type TypeNameFor<V> =
  | (string extends V ? 'string' : never)
  | (number extends V ? 'number' | 'integer' : never)
  | (boolean extends V ? 'boolean' : never)
  | (null extends V ? 'null' : never);

type PrimitiveSchemaFor<V> = { readonly type: TypeNameFor<V> | readonly TypeNameFor<V>[] } & OtherKeywords;

type ChoiceFor<V> =
  | ({ readonly enum: readonly V[] } & OtherKeywords)
  | ({ readonly const: V } & OtherKeywords)
  | ({ readonly anyOf: readonly ValueSchemaFor<V>[] } & OtherKeywords)
  | ({ readonly oneOf: readonly ValueSchemaFor<V>[] } & OtherKeywords)
  | ({ readonly $ref: string } & OtherKeywords);

type ArraySchemaFor<V extends readonly unknown[]> = number extends V['length']
  ? { readonly type: 'array'; readonly items: ValueSchemaFor<V[number]> } & OtherKeywords
  : { readonly type: 'array' } & OtherKeywords; // a tuple: not checked

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

type ObjectSchemaFor<T> = string extends keyof T
  ? IndexedObjectSchemaFor<T>
  : {
      readonly type: 'object';
      readonly properties: { readonly [K in keyof T]-?: ValueSchemaFor<Exclude<T[K], undefined>> } & {
        readonly [name: string]: AnySchema;
      };
    } & ([RequiredKeys<T>] extends [never]
      ? { readonly required?: readonly string[] }
      : { readonly required: readonly string[] }) &
      OtherKeywords;

/** A record type (`{ [name: string]: V }`): the values must fit through `additionalProperties`. */
type IndexedObjectSchemaFor<T> = { readonly type: 'object' } & (unknown extends T[string & keyof T]
  ? OtherKeywords
  : { readonly additionalProperties: ValueSchemaFor<T[string & keyof T]> } & OtherKeywords);
