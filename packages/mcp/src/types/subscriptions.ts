// subscriptions/listen (schema/2026-07-28/schema.ts: SubscriptionFilter).

/** The notification types a 2026-07-28 client opts in to on a subscription; every one is off unless asked for. */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  /** URIs whose `notifications/resources/updated` the client wants (replaces resources/subscribe). */
  resourceSubscriptions?: string[];
  /**
   * The tasks extension (`io.modelcontextprotocol/tasks`, tasks.md "Task Status Notifications"):
   * task ids whose `notifications/tasks` the client wants; the request must declare the extension.
   */
  taskIds?: string[];
}
