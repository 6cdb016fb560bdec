import type { Annotations, Icon, Meta, PaginatedParams, PaginatedResult, RequestParams, Result } from './base';
import type { ResourceContents } from './content';

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
