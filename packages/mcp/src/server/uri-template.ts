import { DefinitionError } from '../protocol/errors';
import { buildMatcher, type Matcher } from './uri-matcher';
import { type Expression, type Operator, RULES, type UriVariables, type VarSpec } from './uri-template-syntax';

export type { UriVariables } from './uri-template-syntax';

const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/;

/**
 * An RFC 6570 URI template: expansion (levels 1–4, without associative values) and the
 * reverse, matching a concrete URI to recover variable values, which is what
 * resources/read needs. Matching reads query expressions (`{?x,y}`) in any order.
 */
export class UriTemplate {
  readonly template: string;
  readonly variableNames: readonly string[];
  private readonly parts: (string | Expression)[];
  private matcher: Matcher | undefined;

  constructor(template: string) {
    this.template = template;
    this.parts = parse(template);
    this.variableNames = this.parts.flatMap((part) => (typeof part === 'string' ? [] : part.vars.map((v) => v.name)));
  }

  expand(variables: UriVariables): string {
    return this.parts.map((part) => (typeof part === 'string' ? part : expandExpression(part, variables))).join('');
  }

  /**
   * The variables that expand to `uri`, or undefined when it does not fit the template.
   * Runs in time linear in `uri.length`; see uri-matcher.ts for which split wins when a
   * reserved expression ({+x}, {#x}) could end at several places.
   */
  match(uri: string): UriVariables | undefined {
    return (this.matcher ??= buildMatcher(this.parts)).match(uri);
  }

  toString(): string {
    return this.template;
  }
}

function parse(template: string): (string | Expression)[] {
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

function expandExpression(expression: Expression, variables: UriVariables): string {
  const rules = RULES[expression.operator];
  const encode = (value: string): string => encodeValue(value, rules.allowReserved);
  const named = (name: string, encoded: string): string =>
    rules.named ? (encoded === '' ? name + rules.ifEmpty : `${name}=${encoded}`) : encoded;
  const pieces: string[] = [];
  for (const spec of expression.vars) {
    const value = variables[spec.name];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (typeof value === 'string') {
      const cut = spec.prefix === undefined ? value : [...value].slice(0, spec.prefix).join('');
      pieces.push(named(spec.name, encode(cut)));
    } else if (spec.explode) {
      pieces.push(value.map((item) => named(spec.name, encode(item))).join(rules.separator));
    } else {
      pieces.push(named(spec.name, value.map(encode).join(',')));
    }
  }
  return pieces.length === 0 ? '' : rules.first + pieces.join(rules.separator);
}

const RESERVED = ":/?#[]@!$&'()*+,;=";

function encodeValue(value: string, allowReserved: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (/[A-Za-z0-9\-._~]/.test(char)) {
      out += char;
    } else if (allowReserved && RESERVED.includes(char)) {
      out += char;
    } else if (allowReserved && char === '%' && /^%[0-9A-Fa-f]{2}/.test(value.slice(i))) {
      out += char;
    } else {
      const code = value.codePointAt(i) as number;
      const full = String.fromCodePoint(code);
      if (full.length === 2) i++;
      out += encodeURIComponent(full).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    }
  }
  return out;
}
