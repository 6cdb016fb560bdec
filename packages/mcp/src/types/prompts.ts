import type { BaseMetadata, Icon, Meta, PaginatedParams, PaginatedResult, RequestParams, Result, Role } from './base';
import type { ContentBlock } from './content';

export interface PromptArgument extends BaseMetadata {
  description?: string;
  required?: boolean;
}

export interface Prompt extends BaseMetadata {
  description?: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: Meta;
}

export interface PromptMessage {
  role: Role;
  content: ContentBlock;
}

export type ListPromptsParams = PaginatedParams;

export interface ListPromptsResult extends PaginatedResult {
  prompts: Prompt[];
}

export interface GetPromptParams extends RequestParams {
  name: string;
  arguments?: { [key: string]: string };
}

export interface GetPromptResult extends Result {
  description?: string;
  messages: PromptMessage[];
}
