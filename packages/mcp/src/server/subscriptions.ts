import { isPlainObject } from '../jsonrpc/codec';
import { InvalidParamsError } from '../jsonrpc/errors';
import type { JsonObject, RequestId } from '../jsonrpc/types';
import type { ServerCapabilities } from '../types/lifecycle';
import type { DefinitionChange } from './served-definition';

// subscriptions/listen (schema/2026-07-28/schema.ts: SubscriptionFilter,
// SubscriptionsListenRequest, SubscriptionsAcknowledgedNotification): the 2026-07-28
// replacement of the GET stream and resources/subscribe. Every notification type is opt-in.

export const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';

/** The notification types a client opted in to, as far as this server can honour them. */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** Reads `params.notifications` and keeps what the server's capabilities can deliver. */
export function honouredFilter(params: JsonObject, capabilities: ServerCapabilities): SubscriptionFilter {
  const asked = params.notifications;
  if (!isPlainObject(asked)) throw new InvalidParamsError('subscriptions/listen needs a notifications object');
  const flag = (key: string): boolean => {
    const value = asked[key];
    if (value !== undefined && typeof value !== 'boolean')
      throw new InvalidParamsError(`notifications.${key} must be a boolean`);
    return value === true;
  };
  const uris = asked.resourceSubscriptions;
  if (uris !== undefined && !(Array.isArray(uris) && uris.every((uri) => typeof uri === 'string'))) {
    throw new InvalidParamsError('notifications.resourceSubscriptions must be an array of URIs');
  }
  const honoured: SubscriptionFilter = {};
  if (flag('toolsListChanged') && capabilities.tools !== undefined) honoured.toolsListChanged = true;
  if (flag('promptsListChanged') && capabilities.prompts !== undefined) honoured.promptsListChanged = true;
  if (flag('resourcesListChanged') && capabilities.resources !== undefined) honoured.resourcesListChanged = true;
  if (uris !== undefined && capabilities.resources !== undefined)
    honoured.resourceSubscriptions = [...new Set(uris as string[])];
  return honoured;
}

/** What one change means for one subscription: the notification to send, or nothing. */
export function notificationFor(
  filter: SubscriptionFilter,
  change: DefinitionChange,
  id: RequestId,
): { method: string; params: JsonObject } | undefined {
  const meta = { [SUBSCRIPTION_ID_KEY]: id };
  switch (change.kind) {
    case 'tools':
      return filter.toolsListChanged
        ? { method: 'notifications/tools/list_changed', params: { _meta: meta } }
        : undefined;
    case 'prompts':
      return filter.promptsListChanged
        ? { method: 'notifications/prompts/list_changed', params: { _meta: meta } }
        : undefined;
    case 'resources':
      return filter.resourcesListChanged
        ? { method: 'notifications/resources/list_changed', params: { _meta: meta } }
        : undefined;
    case 'resource-updated':
      return filter.resourceSubscriptions?.includes(change.uri)
        ? { method: 'notifications/resources/updated', params: { uri: change.uri, _meta: meta } }
        : undefined;
  }
}
