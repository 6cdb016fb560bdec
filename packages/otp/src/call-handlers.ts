/**
 * handleCall as one handler per request type, so a server whose replies differ by request
 * is typed without annotations: each handler is checked against its request's reply, and
 * `call()` returns the reply of the request it was given.
 */
import type { From } from './call';
import type { ProcessContext } from './context';
import { BadArgError } from './errors';
import { noreply, type CallResult, type MaybePromise, type RequestWithReply } from './gen-server-types';
import { describeValue } from './names';

/** Requests told apart by a string `type`, the key of their handler and of their reply. */
export interface TypedRequest {
  readonly type: string;
}

/** One handler per request type; `from` is typed for a deferred reply (GenServer.reply). */
export type CallHandlers<Req extends TypedRequest, Replies extends { [K in Req['type']]: unknown }, S> = {
  [K in Req['type']]: (
    request: Extract<Req, { readonly type: K }>,
    from: From<Replies[K]>,
    state: S,
    ctx: ProcessContext,
  ) => MaybePromise<CallResult<S, Replies[K]>>;
};

/** The requests, each carrying its reply type. */
export type RequestsWithReplies<Req extends TypedRequest, Replies> = Req extends unknown
  ? RequestWithReply<Req, Replies[Req['type'] & keyof Replies]>
  : never;

/** The handleCall that GenServer.calls builds. */
export type HandleCallByType<Req extends TypedRequest, Replies extends { [K in Req['type']]: unknown }, S> = (
  request: RequestsWithReplies<Req, Replies>,
  from: From,
  state: S,
  ctx: ProcessContext,
) => MaybePromise<CallResult<S, Replies[Req['type']]>>;

/**
 * Builds a handleCall from one handler per request `type`:
 *
 *     type Req = { type: 'get'; key: string } | { type: 'put'; key: string; value: number };
 *     type Replies = { get: number | undefined; put: 'ok' };
 *     handleCall: GenServer.calls<Req, Replies, State>({ get: ..., put: ... })
 *
 * A handler's reply must be its request's reply type (a compile error otherwise), and
 * `GenServer.call(server, { type: 'get', key })` is typed `number | undefined`. A request
 * with no handler (from an untyped caller) fails that call with a BadArgError and the
 * server carries on (from another scheduler it arrives as a CallExitError with that message).
 */
export function calls<Req extends TypedRequest, Replies extends { [K in Req['type']]: unknown }, S>(
  handlers: CallHandlers<Req, Replies, S>,
): HandleCallByType<Req, Replies, S> {
  if (typeof handlers !== 'object' || handlers === null)
    throw new BadArgError('GenServer.calls: expected an object of handlers');
  const table = new Map<
    string,
    (request: unknown, from: From, state: S, ctx: ProcessContext) => MaybePromise<CallResult<S, unknown>>
  >();
  for (const [type, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function')
      throw new BadArgError(`GenServer.calls: the handler for ${JSON.stringify(type)} is not a function`);
    table.set(type, handler as never);
  }
  return (request, from, state, ctx) => {
    const type = typeof request === 'object' && request !== null ? (request as { type?: unknown }).type : undefined;
    const handler = typeof type === 'string' ? table.get(type) : undefined;
    if (handler === undefined) {
      from.fail(
        new BadArgError(
          `no handler for a call of type ${describeValue(type)}: expected one of ${[...table.keys()].join(', ')}`,
        ),
      );
      return noreply(state);
    }
    return handler(request, from, state, ctx) as MaybePromise<CallResult<S, Replies[Req['type']]>>;
  };
}
