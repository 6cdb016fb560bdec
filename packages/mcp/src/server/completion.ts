import type { Completion } from '../types/completion';
import type { RequestContext } from './context';

export interface CompletionContext {
  /** Arguments (or template variables) the client has already resolved. */
  arguments: { [name: string]: string };
}

/** Suggests values for one prompt argument or template variable. */
export type Completer = (
  value: string,
  context: CompletionContext,
  ctx: RequestContext,
) => string[] | Completion | Promise<string[] | Completion>;

/** The spec caps a completion at 100 values; longer lists are cut and flagged with hasMore. */
export function normalizeCompletion(outcome: string[] | Completion): Completion {
  const completion = Array.isArray(outcome) ? { values: outcome } : outcome;
  if (completion.values.length <= 100) return completion;
  return {
    values: completion.values.slice(0, 100),
    total: completion.total ?? completion.values.length,
    hasMore: true,
  };
}
