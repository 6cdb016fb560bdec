import { JsonRpcError } from '@erlmcp/mcp';

/** JSON-RPC server error codes of the gateway (the -32000..-32099 range is the implementation's). */
export const UPSTREAM_UNAVAILABLE = -32001;
export const UPSTREAM_CLOSED = -32002;

/**
 * What a caller sees when its upstream fails: the upstream's own JSON-RPC error as it was,
 * or a gateway error that names the upstream and says what happened.
 */
export function upstreamError(upstream: string, method: string, error: unknown): JsonRpcError {
  if (error instanceof JsonRpcError) return error;
  const name = (error as { name?: string } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ConnectionClosedError' || name === 'TransportError') {
    return new JsonRpcError(UPSTREAM_CLOSED, `upstream "${upstream}" closed the connection during ${method}`, {
      data: { upstream, reason: message },
    });
  }
  return new JsonRpcError(UPSTREAM_UNAVAILABLE, `upstream "${upstream}" is unavailable for ${method}: ${message}`, {
    data: { upstream, reason: message },
  });
}
