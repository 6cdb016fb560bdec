import type { Icon, Meta, PaginatedParams, PaginatedResult, RequestParams, Result } from './base';
import type { ContentBlock } from './content';

/** A JSON Schema (draft 2020-12 unless `$schema` says draft-07 or 2019-09) for an object. */
export interface ObjectSchema {
  $schema?: string;
  type: 'object';
  properties?: { [key: string]: object };
  required?: string[];
  [keyword: string]: unknown;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: ObjectSchema;
  outputSchema?: ObjectSchema;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: Meta;
}

export interface ListToolsResult extends PaginatedResult {
  tools: Tool[];
}

export interface CallToolParams extends RequestParams {
  name: string;
  arguments?: { [key: string]: unknown };
}

export interface CallToolResult extends Result {
  content: ContentBlock[];
  structuredContent?: { [key: string]: unknown };
  isError?: boolean;
}

export type ListToolsParams = PaginatedParams;
