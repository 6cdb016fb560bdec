import type { Meta, Result } from './base';

export interface Root {
  uri: string;
  name?: string;
  _meta?: Meta;
}

export interface ListRootsResult extends Result {
  roots: Root[];
}
