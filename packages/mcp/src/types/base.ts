/** `_meta`: reserved for protocol-level metadata on most MCP objects. */
export type Meta = { [key: string]: unknown };

export type Role = 'user' | 'assistant';

export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: 'light' | 'dark';
}

export interface BaseMetadata {
  name: string;
  title?: string;
}

/** Describes a client or server implementation (clientInfo / serverInfo). */
export interface Implementation extends BaseMetadata {
  version: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
}

export interface Annotations {
  audience?: Role[];
  priority?: number;
  lastModified?: string;
}

/** Every result may carry `_meta` and further members. */
export interface Result {
  _meta?: Meta;
  [key: string]: unknown;
}

export type ProgressToken = string | number;
export type Cursor = string;

/** `params` of a request: `_meta.progressToken` asks for progress notifications. */
export interface RequestParams {
  _meta?: Meta & { progressToken?: ProgressToken };
}

export interface PaginatedParams extends RequestParams {
  cursor?: Cursor;
}

export interface PaginatedResult extends Result {
  nextCursor?: Cursor;
}
