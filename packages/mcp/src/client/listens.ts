import { isPlainObject, isRequestId } from '../jsonrpc/codec';
import type { JsonObject, JsonRpcPayload, RequestId } from '../jsonrpc/types';
import { asError, type Peer } from '../protocol/peer';
import { ProtocolViolationError, RequestCancelledError } from '../protocol/errors';
import { type ModernEra, withModernMeta } from './modern';
import { type ListenOptions, readHonoured, Subscription, subscriptionIdOf } from './subscription';
import type { SubscriptionFilter } from '../types/subscriptions';

interface OpenListen {
  /** Set once the server acknowledged. */
  subscription: Subscription | undefined;
  acknowledge(params: JsonObject | undefined): void;
  /** The server ended it on stdio (notifications/cancelled naming it). */
  endedByServer(): void;
}

/**
 * The open subscriptions/listen requests of one client, by request id. The id is learnt as
 * the request goes out (the client's send passes through {@link Listens.sent}), so an
 * acknowledgement that arrives at once still finds its subscription.
 */
export class Listens {
  private readonly open = new Map<RequestId, OpenListen>();
  private expecting: ((id: RequestId) => void) | undefined;

  constructor(private readonly peer: Peer) {}

  /** Every payload the client sends, before the transport gets it. */
  sent(payload: JsonRpcPayload): void {
    if (this.expecting === undefined || Array.isArray(payload)) return;
    if ('method' in payload && payload.method === 'subscriptions/listen' && 'id' in payload) {
      const expecting = this.expecting;
      this.expecting = undefined;
      expecting(payload.id);
    }
  }

  /** Routes a notification that names a subscription, or ends one the server cancelled. */
  notification(method: string, params: JsonObject | undefined): void {
    if (this.open.size === 0) return;
    if (method === 'notifications/cancelled') {
      const id = params?.requestId;
      if (isRequestId(id)) this.open.get(id)?.endedByServer();
      return;
    }
    const id = subscriptionIdOf(params);
    const entry = id === undefined ? undefined : this.open.get(id);
    if (entry === undefined) return;
    if (method === 'notifications/subscriptions/acknowledged') entry.acknowledge(params);
    else entry.subscription?.deliver(method, params);
  }

  /** Opens a subscription; resolves once the server acknowledged it, with what it will honour. */
  listen(era: ModernEra, filter: SubscriptionFilter, options: ListenOptions = {}): Promise<Subscription> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new RequestCancelledError('subscriptions/listen', signal.reason));
    // Not cancellable through the peer: this side sends notifications/cancelled itself, and
    // only when the client (not the server) ends the subscription.
    const local = new AbortController();
    return new Promise<Subscription>((resolve, reject) => {
      let id: RequestId | undefined;
      let entry: OpenListen | undefined;
      const cancel = (): void => {
        local.abort();
        if (id !== undefined)
          this.peer.notify('notifications/cancelled', { requestId: id, reason: 'The client closed the subscription' });
      };
      const onAbort = (): void => {
        if (entry?.subscription !== undefined) entry.subscription.close();
        else cancel();
      };
      this.expecting = (sentId) => {
        id = sentId;
        entry = {
          subscription: undefined,
          acknowledge: (params) => {
            if (entry === undefined || entry.subscription !== undefined) return;
            entry.subscription = new Subscription(sentId, readHonoured(params), cancel);
            resolve(entry.subscription);
          },
          endedByServer: () => {
            entry?.subscription?.finish({ reason: 'server' });
            local.abort();
          },
        };
        this.open.set(sentId, entry);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let request: Promise<unknown>;
      try {
        const params = withModernMeta({ notifications: filter as JsonObject }, era);
        request = this.peer.request('subscriptions/listen', params, { signal: local.signal, timeoutMs: 0 }, false);
      } finally {
        this.expecting = undefined;
      }
      request.then(
        (result) => {
          const subscription = entry?.subscription;
          if (subscription !== undefined) subscription.finish({ reason: 'server' });
          else
            reject(
              new ProtocolViolationError(
                `subscriptions/listen was answered before it was acknowledged: ${JSON.stringify(isPlainObject(result) ? result : null)}`,
              ),
            );
        },
        (error: unknown) => {
          const subscription = entry?.subscription;
          if (subscription === undefined) reject(error);
          else if (!local.signal.aborted) subscription.finish({ reason: 'failed', error: asError(error) });
        },
      );
      void request
        .catch(() => undefined)
        .finally(() => {
          signal?.removeEventListener('abort', onAbort);
          if (id !== undefined) this.open.delete(id);
        });
    });
  }
}
