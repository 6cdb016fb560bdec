import type { RequestParams, Result } from './base';

export interface PromptReference {
  type: 'ref/prompt';
  name: string;
  title?: string;
}

export interface ResourceTemplateReference {
  type: 'ref/resource';
  /** The URI template (or URI) being completed. */
  uri: string;
}

export interface CompleteParams extends RequestParams {
  ref: PromptReference | ResourceTemplateReference;
  argument: { name: string; value: string };
  context?: { arguments?: { [key: string]: string } };
}

export interface Completion {
  /** At most 100 values. */
  values: string[];
  total?: number;
  hasMore?: boolean;
}

export interface CompleteResult extends Result {
  completion: Completion;
}
