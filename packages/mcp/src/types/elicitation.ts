import type { RequestParams, Result } from './base';

/** Form mode: a flat object schema of primitive properties. */
export interface ElicitFormParams extends RequestParams {
  mode?: 'form';
  message: string;
  requestedSchema: {
    $schema?: string;
    type: 'object';
    properties: { [key: string]: { type: string; [keyword: string]: unknown } };
    required?: string[];
  };
}

/** URL mode (2025-11-25): the user completes the interaction out of band. */
export interface ElicitUrlParams extends RequestParams {
  mode: 'url';
  message: string;
  elicitationId: string;
  url: string;
}

export type ElicitParams = ElicitFormParams | ElicitUrlParams;

export interface ElicitResult extends Result {
  action: 'accept' | 'decline' | 'cancel';
  content?: { [key: string]: string | number | boolean | string[] };
}
