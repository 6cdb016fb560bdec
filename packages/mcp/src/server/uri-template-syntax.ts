/** Parsed RFC 6570 expressions, shared by expansion (uri-template.ts) and matching (uri-matcher.ts). */

/** Values bound to a template's variables; exploded (`*`) variables take lists. */
export type UriVariables = { [name: string]: string | string[] };

export interface VarSpec {
  name: string;
  explode: boolean;
  prefix: number | undefined;
}

export interface Expression {
  operator: Operator;
  vars: VarSpec[];
}

export type Operator = '' | '+' | '#' | '.' | '/' | ';' | '?' | '&';

export interface OperatorRules {
  first: string;
  separator: string;
  named: boolean;
  ifEmpty: string;
  allowReserved: boolean;
}

// RFC 6570 appendix A.
export const RULES: Record<Operator, OperatorRules> = {
  '': { first: '', separator: ',', named: false, ifEmpty: '', allowReserved: false },
  '+': { first: '', separator: ',', named: false, ifEmpty: '', allowReserved: true },
  '#': { first: '#', separator: ',', named: false, ifEmpty: '', allowReserved: true },
  '.': { first: '.', separator: '.', named: false, ifEmpty: '', allowReserved: false },
  '/': { first: '/', separator: '/', named: false, ifEmpty: '', allowReserved: false },
  ';': { first: ';', separator: ';', named: true, ifEmpty: '', allowReserved: false },
  '?': { first: '?', separator: '&', named: true, ifEmpty: '=', allowReserved: false },
  '&': { first: '&', separator: '&', named: true, ifEmpty: '=', allowReserved: false },
};
