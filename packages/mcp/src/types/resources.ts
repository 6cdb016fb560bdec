import type { Annotations, Icon, Meta, PaginatedParams, PaginatedResult, RequestParams, Result } from './base';

export interface Resource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
}

export interface ResourceTemplate {
  /** An RFC 6570 URI template. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
}

export type ListResourcesParams = PaginatedParams;
export type ListResourceTemplatesParams = PaginatedParams;

export interface ListResourcesResult extends PaginatedResult {
  resources: Resource[];
}

export interface ListResourceTemplatesResult extends PaginatedResult {
  resourceTemplates: ResourceTemplate[];
}

export interface ReadResourceParams extends RequestParams {
  uri: string;
}

export interface ReadResourceResult extends Result {
  contents: ResourceContents[];
}

export interface SubscribeParams extends RequestParams {
  uri: string;
}

export interface ResourceUpdatedParams {
  uri: string;
  _meta?: Meta;
}

export interface TextResourceContents {
  uri: string;
  mimeType?: string;
  text: string;
  _meta?: Meta;
}

export interface BlobResourceContents {
  uri: string;
  mimeType?: string;
  /** base64 */
  blob: string;
  _meta?: Meta;
}

export type ResourceContents = TextResourceContents | BlobResourceContents;
