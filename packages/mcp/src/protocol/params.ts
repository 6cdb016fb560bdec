import { InvalidParamsError } from '../jsonrpc/errors';
import { isPlainObject } from '../jsonrpc/codec';
import type { JsonObject, JsonRpcParams } from '../jsonrpc/types';

/** MCP params are always by name; absent params read as an empty object. */
export function objectParams(params: JsonRpcParams | undefined): JsonObject {
  if (params === undefined) return {};
  if (Array.isArray(params)) throw new InvalidParamsError('params must be an object');
  return params;
}

export function requireString(params: JsonObject, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw new InvalidParamsError(`${key} must be a string`);
  return value;
}

/**
 * Longest resource URI (in UTF-16 code units) a server accepts in resources/read,
 * resources/subscribe, resources/unsubscribe and completion/complete; longer ones are
 * refused before any template matching. Real URIs are far shorter; the cap bounds the work
 * one request can cause.
 */
export const MAX_URI_LENGTH = 65_536;

/** A string param that names a resource URI (or URI template), at most MAX_URI_LENGTH long. */
export function requireUri(params: JsonObject, key: string): string {
  const value = requireString(params, key);
  if (value.length > MAX_URI_LENGTH) {
    throw new InvalidParamsError(`${key} is longer than ${MAX_URI_LENGTH} characters`, {
      data: { length: value.length, limit: MAX_URI_LENGTH },
    });
  }
  return value;
}

export function optionalString(params: JsonObject, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidParamsError(`${key} must be a string`);
  return value;
}

export function optionalObject(params: JsonObject, key: string): JsonObject | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new InvalidParamsError(`${key} must be an object`);
  return value;
}

export function requireObject(params: JsonObject, key: string): JsonObject {
  const value = optionalObject(params, key);
  if (value === undefined) throw new InvalidParamsError(`${key} must be an object`);
  return value;
}

/** An object whose values must all be strings (prompt arguments, completion context). */
export function optionalStringRecord(params: JsonObject, key: string): Record<string, string> | undefined {
  const value = optionalObject(params, key);
  if (value === undefined) return undefined;
  const record: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new InvalidParamsError(`${key}.${name} must be a string`);
    record[name] = item;
  }
  return record;
}
