import type { Meta, ProgressToken } from './base';
import type { RequestId } from '../jsonrpc/types';
import type { LoggingMessageParams } from './logging';
import type { ResourceUpdatedParams } from './resources';
import type { SubscriptionFilter } from './subscriptions';

export interface ProgressParams {
  progressToken: ProgressToken;
  progress: number;
  total?: number;
  message?: string;
  _meta?: Meta;
}

export interface CancelledParams {
  requestId?: RequestId;
  reason?: string;
  _meta?: Meta;
}

export interface ListChangedParams {
  _meta?: Meta;
}

/** Notifications a server sends, by method, with their params. */
export interface ServerNotificationMap {
  'notifications/message': LoggingMessageParams;
  'notifications/progress': ProgressParams;
  'notifications/cancelled': CancelledParams;
  'notifications/resources/updated': ResourceUpdatedParams;
  'notifications/resources/list_changed': ListChangedParams | undefined;
  'notifications/tools/list_changed': ListChangedParams | undefined;
  'notifications/prompts/list_changed': ListChangedParams | undefined;
  'notifications/elicitation/complete': { elicitationId: string };
  /** 2026-07-28: the part of a subscriptions/listen filter the server will honour. */
  'notifications/subscriptions/acknowledged': { notifications: SubscriptionFilter; _meta?: Meta };
}

/** Notifications a client sends, by method, with their params. */
export interface ClientNotificationMap {
  'notifications/initialized': ListChangedParams | undefined;
  'notifications/progress': ProgressParams;
  'notifications/cancelled': CancelledParams;
  'notifications/roots/list_changed': ListChangedParams | undefined;
}
