/**
 * Errors that cross threads whole.
 *
 * V8's structured clone (postMessage) keeps an Error's message, stack and
 * cause, and its class only for the built-in ones (TypeError, RangeError,
 * ...): any other class arrives as a plain Error, and own properties such as
 * `code` are dropped. msgpack, which @erlmcp/otp uses between schedulers,
 * keeps name, message and cause. So an error that must keep its class and code
 * travels as `serializeError(error)`, plain data every channel carries, and
 * `deserializeError` rebuilds it on the other side: as its own class when the
 * receiving thread has registered that class's code (@erlmcp/shm and
 * @erlmcp/ets register theirs when loaded), else as an Error with the same
 * name, code and fields.
 */
import { types } from 'node:util';
import {
  ArenaCorruptedError,
  DeadlockError,
  FrameTooLargeError,
  InvalidFreeError,
  LayoutError,
  MainThreadBlockingError,
  NotOwnerError,
  OutOfMemoryError,
  RegistryFullError,
  WaitTimeoutError,
} from './errors';

/** An error as plain data: what postMessage, JSON and msgpack all carry whole. */
export interface SerializedError {
  readonly kind: 'error';
  /** The error's `name` (for the classes of these packages, the class's name). */
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  /** The stack as captured where the error was made. */
  readonly stack?: string;
  /** The error's `cause`: serialized in turn when it is an Error; present only when it is one or a primitive. */
  readonly cause?: unknown;
  /** The error's other own enumerable properties whose values are strings, numbers, booleans or null. */
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** An error class `deserializeError` can rebuild: its static `code` is the `code` of its instances. */
export type CodedErrorClass = (abstract new (...args: never[]) => Error) & { readonly code: string };

/** Every error constructor is a function whose instances are Errors; Reflect.construct needs that shape. */
type ErrorConstructorLike = new (...args: never[]) => Error;

const classes = new Map<string, ErrorConstructorLike>();
const BUILT_IN: Readonly<Record<string, ErrorConstructorLike>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};
/** Properties carried by the fixed fields of SerializedError, not in `fields`. */
const OWN_SLOTS = new Set(['name', 'message', 'stack', 'cause', 'code']);
/** A cause chain longer than this is cut (a cycle would be endless). */
const MAX_CAUSES = 16;

/**
 * Lets `deserializeError` rebuild these classes, by their static `code`
 * (a later class with the same code replaces the earlier one). @erlmcp/shm
 * and @erlmcp/ets register theirs; an application may register its own.
 */
export function registerErrorClasses(list: Iterable<CodedErrorClass>): void {
  for (const Class of list) {
    if (
      typeof Class !== 'function' ||
      typeof (Class as { code?: unknown }).code !== 'string' ||
      Class.code.length === 0
    ) {
      throw new TypeError('registerErrorClasses: each class needs a static string `code`, the code of its instances');
    }
    classes.set(Class.code, Class as unknown as ErrorConstructorLike);
  }
}

/** `error` as plain data that keeps its class (by name and code), message, stack, cause and plain fields. */
export function serializeError(error: Error): SerializedError {
  if (!isError(error)) throw new TypeError('serializeError: not an Error');
  return serialize(error, new Set());
}

function serialize(error: Error, seen: Set<Error>): SerializedError {
  seen.add(error);
  const code = (error as { code?: unknown }).code;
  const fields: Record<string, string | number | boolean | null> = {};
  for (const key of Object.keys(error)) {
    if (OWN_SLOTS.has(key) && (key !== 'code' || typeof code === 'string')) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    kind: 'error',
    name: String(error.name),
    message: String(error.message),
    fields,
  };
  if (typeof code === 'string') out.code = code;
  if (typeof error.stack === 'string') out.stack = error.stack;
  if ('cause' in error) {
    const cause = error.cause;
    if (isError(cause)) {
      if (!seen.has(cause) && seen.size < MAX_CAUSES) out.cause = serialize(cause, seen);
    } else if (
      cause === null ||
      (typeof cause !== 'object' && typeof cause !== 'function' && typeof cause !== 'symbol')
    ) {
      out.cause = cause;
    }
  }
  return out;
}

/** Whether `value` has the shape `serializeError` produces. */
export function isSerializedError(value: unknown): value is SerializedError {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.kind === 'error' &&
    typeof v.name === 'string' &&
    typeof v.message === 'string' &&
    (v.code === undefined || typeof v.code === 'string') &&
    (v.stack === undefined || typeof v.stack === 'string') &&
    v.fields !== null &&
    typeof v.fields === 'object'
  );
}

/**
 * The error `serializeError` described: an instance of the class registered
 * for its code (no constructor runs), else of the built-in class of its name,
 * else an Error; with its name, code, message, stack, cause and fields.
 */
export function deserializeError(data: SerializedError): Error {
  if (!isSerializedError(data)) throw new TypeError('deserializeError: not a serialized error (see serializeError)');
  const Class = (data.code === undefined ? undefined : classes.get(data.code)) ?? BUILT_IN[data.name] ?? Error;
  const cause =
    data.cause === undefined ? undefined : isSerializedError(data.cause) ? deserializeError(data.cause) : data.cause;
  // An Error made by the Error constructor (so a real error object) with the class's prototype.
  const error = Reflect.construct(
    Error,
    cause === undefined ? [data.message] : [data.message, { cause }],
    Class,
  ) as Error;
  if (error.name !== data.name) define(error, 'name', data.name, true);
  if (data.code !== undefined) define(error, 'code', data.code, true);
  for (const [key, value] of Object.entries(data.fields)) if (!OWN_SLOTS.has(key)) define(error, key, value, true);
  if (data.stack === undefined) delete error.stack;
  else define(error, 'stack', data.stack, false);
  return error;
}

/** defineProperty rather than assignment, so that a field named `__proto__` stays a field. */
function define(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

registerErrorClasses([
  WaitTimeoutError,
  MainThreadBlockingError,
  NotOwnerError,
  OutOfMemoryError,
  InvalidFreeError,
  ArenaCorruptedError,
  FrameTooLargeError,
  RegistryFullError,
  LayoutError,
  DeadlockError,
]);
