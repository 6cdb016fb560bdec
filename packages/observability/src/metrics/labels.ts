import { isNormalExit, type ExitReason } from '@erlmcp/otp';

/**
 * Label values a client could choose are bound here to fixed sets, so that no request can
 * grow a metric's series without limit (Prometheus's cardinality rule).
 */
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
  'tasks/result',
]);

/** An MCP method, or 'other' for one the protocol does not define. */
export function methodLabel(method: string): string {
  return MCP_METHODS.has(method) ? method : 'other';
}

/** normal, shutdown (also {shutdown, _}), killed or crash: how a process ended. */
export function exitClass(reason: ExitReason): 'normal' | 'shutdown' | 'killed' | 'crash' {
  if (reason === 'normal') return 'normal';
  if (isNormalExit(reason)) return 'shutdown';
  if (reason === 'killed' || reason === 'kill') return 'killed';
  return 'crash';
}
