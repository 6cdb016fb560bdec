import { JsonRpcError, type JsonRpcErrorOptions } from '../jsonrpc/errors';

/** MCP-specific JSON-RPC error codes. */
export const McpErrorCode = {
  ResourceNotFound: -32002,
  UrlElicitationRequired: -32042,
  /** 2026-07-28 (schema.ts HEADER_MISMATCH): HTTP headers disagree with the body, or are missing. */
  HeaderMismatch: -32020,
  /** 2026-07-28 (schema.ts MISSING_REQUIRED_CLIENT_CAPABILITY). */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28 (schema.ts UNSUPPORTED_PROTOCOL_VERSION). */
  UnsupportedProtocolVersion: -32022,
} as const;

/**
 * -32022 on the wire: a request's protocol version is one this server does not serve; `data`
 * lists those it does. (UnsupportedProtocolVersionError is the client's local error for an
 * initialize answered with a revision it does not speak.)
 */
export class UnsupportedProtocolVersionRpcError extends JsonRpcError {
  constructor(requested: string, supported: readonly string[], options: JsonRpcErrorOptions = {}) {
    super(McpErrorCode.UnsupportedProtocolVersion, 'Unsupported protocol version', {
      data: { supported: [...supported], requested },
      ...options,
    });
  }
}

/** Streamable HTTP (2026-07-28): a required header is missing, malformed, or disagrees with the body. */
export class HeaderMismatchError extends JsonRpcError {
  constructor(message: string, options: JsonRpcErrorOptions = {}) {
    super(McpErrorCode.HeaderMismatch, `Header mismatch: ${message}`, options);
  }
}

/** Handling the request needs a client capability the request's `_meta` did not declare. */
export class MissingRequiredClientCapabilityError extends JsonRpcError {
  constructor(requiredCapabilities: Record<string, unknown>, options: JsonRpcErrorOptions = {}) {
    super(McpErrorCode.MissingRequiredClientCapability, 'Missing required client capability', {
      data: { requiredCapabilities },
      ...options,
    });
  }
}

/** resources/read of a URI no resource or template answers for. */
export class ResourceNotFoundError extends JsonRpcError {
  constructor(uri: string, options: JsonRpcErrorOptions = {}) {
    super(McpErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { data: { uri }, ...options });
  }
}

/**
 * A local failure of a session (never sent on the wire as such). Thrown from a tool handler
 * it becomes an `isError` tool result like any other error.
 */
export class SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A task the client waited on was still unfinished past its `ttlMs` from `createdAt` (and one
 * poll interval of grace): the extension lets the client consider it no longer usable.
 */
export class TaskExpiredError extends SessionError {
  readonly taskId: string;

  constructor(taskId: string) {
    super(`Task ${taskId} outlived its ttlMs without finishing`);
    this.taskId = taskId;
  }
}

/** A task the client waited on ended `cancelled` (by `tasks/cancel`, or by the server). */
export class TaskCancelledError extends SessionError {
  readonly taskId: string;
  readonly statusMessage: string | undefined;

  constructor(taskId: string, statusMessage?: string) {
    super(`Task ${taskId} was cancelled${statusMessage === undefined ? '' : `: ${statusMessage}`}`);
    this.taskId = taskId;
    this.statusMessage = statusMessage;
  }
}

/** The session or its transport closed while a request was outstanding. */
export class ConnectionClosedError extends SessionError {
  constructor(message = 'Connection closed') {
    super(message);
  }
}

/** An outgoing request got no response in time; the peer was sent notifications/cancelled. */
export class RequestTimeoutError extends SessionError {
  readonly timeoutMs: number;

  constructor(method: string, timeoutMs: number) {
    super(`Request ${method} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** An outgoing request was aborted through its AbortSignal; the peer was sent notifications/cancelled. */
export class RequestCancelledError extends SessionError {
  readonly reason: unknown;

  constructor(method: string, reason: unknown) {
    super(`Request ${method} was cancelled`);
    this.reason = reason;
  }
}

/** The peer did not declare the capability a request needs (e.g. sampling), or the revision lacks it. */
export class CapabilityNotSupportedError extends SessionError {
  readonly capability: string;

  constructor(capability: string, detail?: string) {
    super(detail ?? `The peer did not declare the "${capability}" capability`);
    this.capability = capability;
  }
}

/** An operation that the session's lifecycle state does not allow (e.g. calls before connect()). */
export class SessionStateError extends SessionError {}

/** The peer answered with a result that does not have the shape the protocol requires. */
export class ProtocolViolationError extends SessionError {}

/** The server answered initialize with a revision this client does not speak. */
export class UnsupportedProtocolVersionError extends SessionError {
  readonly protocolVersion: unknown;

  constructor(protocolVersion: unknown) {
    super(`Server chose unsupported protocol version ${JSON.stringify(protocolVersion)}`);
    this.protocolVersion = protocolVersion;
  }
}

/** A tool's structuredContent does not match its outputSchema (client-side check). */
export class OutputValidationError extends SessionError {
  readonly tool: string;

  constructor(tool: string, detail: string) {
    super(`Structured content of tool ${tool} does not match its outputSchema: ${detail}`);
    this.tool = tool;
  }
}

/** A server definition that cannot be served: duplicate names, a schema ajv cannot compile... */
export class DefinitionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A tool's Standard Schema validator has no JSON Schema to list in tools/list: the library
 * does not implement Standard JSON Schema (`~standard.jsonSchema`), or its converter threw
 * (zod cannot write a transform as JSON Schema, for one). Give `inputJsonSchema` /
 * `outputJsonSchema` beside it.
 */
export class SchemaConversionError extends DefinitionError {
  readonly tool: string;
  readonly schema: 'inputSchema' | 'outputSchema';
  /** `~standard.vendor`: 'zod', 'valibot', 'arktype'... */
  readonly vendor: string;

  constructor(
    tool: string,
    schema: 'inputSchema' | 'outputSchema',
    vendor: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    const option = schema === 'inputSchema' ? 'inputJsonSchema' : 'outputJsonSchema';
    super(
      `Tool ${tool}: its ${schema} (${vendor}) cannot be converted to JSON Schema: ${reason}; give ${option} beside it`,
      options,
    );
    this.tool = tool;
    this.schema = schema;
    this.vendor = vendor;
  }
}
