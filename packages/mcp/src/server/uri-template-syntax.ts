import { DefinitionError } from '../protocol/errors';

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

const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/;

/** A template as its literal pieces and expressions; DefinitionError when it is malformed. */
export function parseTemplate(template: string): (string | Expression)[] {
  const parts: (string | Expression)[] = [];
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{', index);
    const literalEnd = open === -1 ? template.length : open;
    const literal = template.slice(index, literalEnd);
    if (literal.includes('}')) throw new DefinitionError(`Unbalanced "}" in URI template ${template}`);
    if (literal) parts.push(literal);
    if (open === -1) break;
    const close = template.indexOf('}', open);
    if (close === -1) throw new DefinitionError(`Unclosed "{" in URI template ${template}`);
    parts.push(parseExpression(template.slice(open + 1, close), template));
    index = close + 1;
  }
  return parts;
}

function parseExpression(body: string, template: string): Expression {
  let operator: Operator = '';
  let rest = body;
  const first = body.charAt(0);
  if ('+#./;?&'.includes(first) && first !== '') {
    operator = first as Operator;
    rest = body.slice(1);
  } else if ('=,!@|'.includes(first) && first !== '') {
    throw new DefinitionError(`Reserved operator "${first}" in URI template ${template}`);
  }
  const vars = rest.split(',').map((raw): VarSpec => {
    let name = raw;
    let explode = false;
    let prefix: number | undefined;
    if (name.endsWith('*')) {
      explode = true;
      name = name.slice(0, -1);
    } else {
      const colon = name.indexOf(':');
      if (colon !== -1) {
        const length = Number(name.slice(colon + 1));
        if (!Number.isInteger(length) || length < 1 || length > 9999) {
          throw new DefinitionError(`Invalid prefix modifier in URI template ${template}`);
        }
        prefix = length;
        name = name.slice(0, colon);
      }
    }
    if (!VARNAME.test(name)) throw new DefinitionError(`Invalid variable name "${name}" in URI template ${template}`);
    return { name, explode, prefix };
  });
  return { operator, vars };
}
