import { isPlainObject } from '../jsonrpc/codec';
import type { JsonObject } from '../jsonrpc/types';
import { ProtocolViolationError } from './errors';

type FieldKind = 'string' | 'number' | 'array' | 'object' | 'array|object';

/**
 * Checks the skeleton of a result the peer sent (the members a caller will index into),
 * so a broken peer yields a typed error instead of a TypeError deep in user code.
 */
export function expectResult(value: unknown, method: string, fields: { [name: string]: FieldKind } = {}): JsonObject {
  if (!isPlainObject(value)) throw new ProtocolViolationError(`${method} returned a non-object result`);
  for (const [name, kind] of Object.entries(fields)) {
    const field = value[name];
    const ok =
      kind === 'array'
        ? Array.isArray(field)
        : kind === 'object'
          ? isPlainObject(field)
          : kind === 'array|object'
            ? Array.isArray(field) || isPlainObject(field)
            : typeof field === kind;
    if (!ok) throw new ProtocolViolationError(`${method} returned a result whose ${name} is not of type ${kind}`);
  }
  return value;
}
