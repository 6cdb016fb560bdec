import type { JsonObject, RequestId } from '../jsonrpc/types';
import type { Meta } from '../types/base';
import type { ElicitParams, ElicitResult } from '../types/elicitation';
import type { ListRootsResult, Root } from '../types/roots';
import type { CreateMessageParams, CreateMessageResult } from '../types/sampling';

export interface ClientRequestContext {
  /** The server's request id; for a question inside a 2026-07-28 result, the key the server gave it. */
  readonly requestId: RequestId;
  /** Aborted when the server cancels the request or the session closes. */
  readonly signal: AbortSignal;
  readonly meta: Meta | undefined;
}

/**
 * Answers to the server's questions: server-to-client requests (2025 revisions) and the
 * input requests of a 2026-07-28 result alike. Each one present declares the matching capability.
 */
export interface ClientHandlers {
  createMessage?(
    params: CreateMessageParams,
    ctx: ClientRequestContext,
  ): CreateMessageResult | Promise<CreateMessageResult>;
  elicit?(params: ElicitParams, ctx: ClientRequestContext): ElicitResult | Promise<ElicitResult>;
  listRoots?(ctx: ClientRequestContext): Root[] | ListRootsResult | Promise<Root[] | ListRootsResult>;
}

/** The handler that answers a question of this method, as a wire result; undefined when the client has none. */
export function handlerFor(
  handlers: ClientHandlers,
  method: string,
): ((params: JsonObject, ctx: ClientRequestContext) => Promise<unknown>) | undefined {
  switch (method) {
    case 'sampling/createMessage': {
      // Called on the handlers object, so a handler written as a method keeps its `this`.
      if (handlers.createMessage === undefined) return undefined;
      return async (params, ctx) => handlers.createMessage!(params as unknown as CreateMessageParams, ctx);
    }
    case 'elicitation/create': {
      if (handlers.elicit === undefined) return undefined;
      return async (params, ctx) => handlers.elicit!(params as unknown as ElicitParams, ctx);
    }
    case 'roots/list': {
      if (handlers.listRoots === undefined) return undefined;
      return async (_params, ctx) => {
        const roots = await handlers.listRoots!(ctx);
        return Array.isArray(roots) ? { roots } : roots;
      };
    }
    default:
      return undefined;
  }
}
