import type { LocalRequest } from '@erlmcp/message-batcher';

export const CATEGORIES = [
  'billing',
  'account_access',
  'bug',
  'outage',
  'performance',
  'feature_request',
  'how_to',
  'security',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Triage {
  category: Category;
  priority: 'p1' | 'p2' | 'p3' | 'p4';
}

/** Checks one answer from the model; a throw makes llmBatcher ask again for that ticket. */
export function validateTriage(answer: unknown): Triage {
  const a = answer as Partial<Triage> | null;
  if (a === null || typeof a !== 'object') throw new Error('not an object');
  if (!CATEGORIES.includes(a.category as Category)) throw new Error(`unknown category ${String(a.category)}`);
  if (!['p1', 'p2', 'p3', 'p4'].includes(a.priority as string))
    throw new Error(`unknown priority ${String(a.priority)}`);
  return { category: a.category as Category, priority: a.priority as Triage['priority'] };
}

const rules: [RegExp, Category, Triage['priority']][] = [
  [/token|leak|compromis|vulnerab/i, 'security', 'p1'],
  [/ECONNRESET|\bdown\b|\b502\b|unavailable/i, 'outage', 'p2'],
  [/slow|latency|p99|ms /i, 'performance', 'p2'],
  [/invoice|refund|billed|charged/i, 'billing', 'p3'],
  [/log in|2FA|SSO|SAML/i, 'account_access', 'p2'],
  [/stuck|upgrade|error/i, 'bug', 'p2'],
  [/how do I|which|docs/i, 'how_to', 'p3'],
  [/would be great|would love|feature/i, 'feature_request', 'p4'],
];

/**
 * The local test server's stand-in for a model: keyword rules, so the example
 * runs with no endpoint. A real endpoint reads the instructions instead.
 */
export function keywordTriage(input: string, _request?: LocalRequest): Triage {
  for (const [pattern, category, priority] of rules) if (pattern.test(input)) return { category, priority };
  return { category: 'other', priority: 'p4' };
}
