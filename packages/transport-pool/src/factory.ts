/**
 * What a pool needs to know about one kind of connection. The built-in kinds
 * (tcp, http, websocket, mcp) implement it; a user's own kind does too.
 */
export interface ConnectionFactory<R> {
  /** A label for stats, logs and telemetry ('tcp', 'http', ...). */
  readonly kind: string;
  /** Opens one real connection. Reject (or throw) when it cannot; honour `signal` (connect timeout, pool stop). */
  connect(signal: AbortSignal): Promise<R>;
  /** Closes it. Called once per connection, from its own process; must not throw for a connection already dead. */
  close(resource: R): void | Promise<void>;
  /** The protocol's own liveness check; resolve when healthy, reject when not. `signal` fires at the check's timeout. */
  check?(resource: R, signal: AbortSignal): Promise<void>;
  /**
   * Calls `lost(reason)` when the connection dies on its own (peer closed it, socket
   * error), so the pool never hands it out again. Called once, right after connect.
   */
  watch?(resource: R, lost: (reason: unknown) => void): void;
  /** Whether an error thrown inside use(fn) means this connection is broken (it is then destroyed, not returned). */
  isTransportError?(error: unknown): boolean;
}

/**
 * A factory named by module and export, so that any scheduler thread can build
 * it: the export is called with `args` (`{ module: '@erlmcp/transport-pool',
 * export: 'tcpFactory', args: [{ host, port }] }`), or is itself a factory when
 * it is an object. `module` is an absolute path or a package name that thread
 * can require; `args` cross threads, so they must be serializable.
 */
export interface FactorySpec<R> {
  module: string;
  export: string;
  args?: unknown[];
  /** @internal Carries R. */
  readonly __resource?: R;
}

/** Throw this (or an error with one of the codes below) from use(fn) to have the connection destroyed. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** Error codes of Node sockets and undici that mean the connection itself is gone. */
const transportCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_DESTROYED',
  'ERR_SOCKET_CLOSED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The default classification: a TransportError, or an error whose `code` (or whose cause's) says the socket is gone. */
export function isTransportError(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e !== null && typeof e === 'object' && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (e instanceof TransportError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && transportCodes.has(code)) return true;
  }
  return false;
}
