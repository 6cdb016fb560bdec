import type { JsonObject } from '../jsonrpc/types';
import { asError } from '../protocol/peer';
import type { ServerCapabilities } from '../types/lifecycle';
import type { SubscriptionFilter } from '../types/subscriptions';
import { Subscription } from './subscription';

// listen() on a 2025 session, where subscriptions/listen does not exist: the session itself
// carries every list_changed the server declared, and resources/subscribe asks for the
// updates of one URI. A subscription here is the client's own filter over those, so code
// written for 2026-07-28 keeps working against an older server.

/** What the emulation needs of its session. */
export interface LegacySession {
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
  report(error: Error): void;
}

const FLAG_OF: Readonly<Record<string, keyof SubscriptionFilter>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

export class LegacyListens {
  private readonly open = new Set<Subscription>();
  /** How many open subscriptions want each URI: resources/unsubscribe once none does. */
  private readonly uris = new Map<string, number>();
  private nextId = 0;

  constructor(private readonly session: LegacySession) {}

  /** The filter less what the server's capabilities do not offer; subscribes to each URI not yet subscribed. */
  async listen(filter: SubscriptionFilter, capabilities: ServerCapabilities | undefined): Promise<Subscription> {
    const honoured: SubscriptionFilter = {};
    if (filter.toolsListChanged && capabilities?.tools?.listChanged) honoured.toolsListChanged = true;
    if (filter.promptsListChanged && capabilities?.prompts?.listChanged) honoured.promptsListChanged = true;
    if (filter.resourcesListChanged && capabilities?.resources?.listChanged) honoured.resourcesListChanged = true;
    const uris = [...new Set(filter.resourceSubscriptions ?? [])];
    if (uris.length > 0 && capabilities?.resources?.subscribe) {
      const done: string[] = [];
      try {
        for (const uri of uris) {
          if ((this.uris.get(uri) ?? 0) === 0) await this.session.subscribe(uri);
          this.uris.set(uri, (this.uris.get(uri) ?? 0) + 1);
          done.push(uri);
        }
      } catch (error) {
        this.releaseUris(done);
        throw error;
      }
      honoured.resourceSubscriptions = uris;
    }
    const subscription: Subscription = new Subscription(`legacy:${++this.nextId}`, honoured, () =>
      this.release(subscription),
    );
    this.open.add(subscription);
    return subscription;
  }

  /** Every server notification of the session: each open subscription that opted in gets it. */
  notification(method: string, params: JsonObject | undefined): void {
    for (const subscription of this.open) {
      const flag = FLAG_OF[method];
      const wanted =
        flag !== undefined
          ? subscription.honoured[flag] === true
          : method === 'notifications/resources/updated' &&
            typeof params?.uri === 'string' &&
            (subscription.honoured.resourceSubscriptions?.includes(params.uri) ?? false);
      if (wanted) subscription.deliver(method, params);
    }
  }

  /** The session closed: every open subscription fails with it. */
  closed(error: Error): void {
    for (const subscription of this.open) subscription.finish({ reason: 'failed', error });
    this.open.clear();
    this.uris.clear();
  }

  private release(subscription: Subscription): void {
    if (this.open.delete(subscription)) this.releaseUris(subscription.honoured.resourceSubscriptions ?? []);
  }

  /** One subscription fewer wants each of `uris`: resources/unsubscribe for those no one wants now. */
  private releaseUris(uris: readonly string[]): void {
    for (const uri of uris) {
      const count = (this.uris.get(uri) ?? 1) - 1;
      if (count > 0) {
        this.uris.set(uri, count);
        continue;
      }
      this.uris.delete(uri);
      this.session.unsubscribe(uri).catch((error: unknown) => this.session.report(asError(error)));
    }
  }
}
