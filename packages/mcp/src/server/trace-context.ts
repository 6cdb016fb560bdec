import { isPlainObject } from '../jsonrpc/codec';

// OpenTelemetry trace context in `_meta` (2026-07-28 basic/index.mdx, "OpenTelemetry trace
// context"; SEP-414): the keys `traceparent`, `tracestate` and `baggage`, unprefixed, their
// values in the W3C Trace Context and W3C Baggage formats. Older revisions carry the same keys
// by convention (OpenTelemetry's MCP semantic conventions), so both eras read them.

export const TRACEPARENT_KEY = 'traceparent';
export const TRACESTATE_KEY = 'tracestate';
export const BAGGAGE_KEY = 'baggage';

/** The trace context a request carried, checked: what a handler and telemetry see as `trace`. */
export interface TraceContext {
  /** The `traceparent` as sent (version 00: `00-<trace-id>-<parent-id>-<flags>`). */
  readonly traceparent: string;
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** The caller's span: 16 lower-case hex digits, not all zero. */
  readonly parentId: string;
  /** The trace flags, two hex digits. */
  readonly traceFlags: string;
  /** Bit 0 of the flags. */
  readonly sampled: boolean;
  /** Present only when valid and the traceparent is. */
  readonly tracestate?: string;
  /** Present only when valid (W3C Baggage: at most 8192 bytes, 64 members). */
  readonly baggage?: string;
}

// W3C Trace Context §3.2: version, trace-id, parent-id, flags; version ff is invalid; a higher
// version may append fields after a dash, which a version-00 reader ignores.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
// §3.3: list members `key=value`, key simple or tenant@system, value printable ASCII but , and =.
const TRACESTATE_MEMBER =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_TRACESTATE_MEMBERS = 32;
const MAX_TRACESTATE_LENGTH = 512;
const MAX_BAGGAGE_BYTES = 8192;
const MAX_BAGGAGE_MEMBERS = 64;
// W3C Baggage: key is a token, value baggage-octets or percent-encoded, optional ;properties.
const BAGGAGE_MEMBER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=\s*[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*\s*(;.*)?$/;

/**
 * The trace context of a request's `_meta`, or undefined when it has none or its traceparent
 * is not valid. As W3C Trace Context says of a receiver, a traceparent that cannot be parsed is
 * ignored (with the tracestate that depends on it), not an error: the request is served, only
 * untraced. A tracestate or baggage that is malformed is dropped alone.
 */
export function readTraceContext(meta: unknown): TraceContext | undefined {
  if (!isPlainObject(meta)) return undefined;
  const parent = meta[TRACEPARENT_KEY];
  if (typeof parent !== 'string' || parent.length > 512) return undefined;
  const match = TRACEPARENT.exec(parent);
  if (match === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  const context: {
    -readonly [K in keyof TraceContext]: TraceContext[K];
  } = {
    traceparent: parent,
    traceId,
    parentId,
    traceFlags: flags,
    sampled: (parseInt(flags, 16) & 1) === 1,
  };
  const state = meta[TRACESTATE_KEY];
  if (typeof state === 'string' && validTracestate(state)) context.tracestate = state;
  const baggage = meta[BAGGAGE_KEY];
  if (typeof baggage === 'string' && validBaggage(baggage)) context.baggage = baggage;
  return context;
}

function validTracestate(value: string): boolean {
  if (value.length > MAX_TRACESTATE_LENGTH) return false;
  const members = value
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member.length > 0);
  if (members.length > MAX_TRACESTATE_MEMBERS) return false;
  const keys = new Set<string>();
  for (const member of members) {
    if (!TRACESTATE_MEMBER.test(member)) return false;
    const key = member.slice(0, member.indexOf('='));
    if (keys.has(key)) return false;
    keys.add(key);
  }
  return true;
}

function validBaggage(value: string): boolean {
  if (Buffer.byteLength(value) > MAX_BAGGAGE_BYTES) return false;
  const members = value.split(',');
  if (members.length > MAX_BAGGAGE_MEMBERS) return false;
  return members.every((member) => BAGGAGE_MEMBER.test(member.trim()));
}
