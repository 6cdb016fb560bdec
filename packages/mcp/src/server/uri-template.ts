import { buildMatcher, type Matcher } from './uri-matcher';
import { type Expression, parseTemplate, RULES, type UriVariables } from './uri-template-syntax';

export type { UriVariables } from './uri-template-syntax';

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
    this.parts = parseTemplate(template);
    this.variableNames = this.parts.flatMap((part) => (typeof part === 'string' ? [] : part.vars.map((v) => v.name)));
  }

  expand(variables: UriVariables): string {
    return this.parts.map((part) => (typeof part === 'string' ? part : expandExpression(part, variables))).join('');
  }

  /**
   * The variables that expand to `uri`, or undefined when it does not fit the template.
   * Runs in time linear in `uri.length` (times the template's size), without backtracking;
   * when reserved expressions ({+x}, {#x}) could split the URI several ways, it binds what a
   * backtracking regex would (each expression as long as the rest still matches). See
   * uri-matcher.ts.
   */
  match(uri: string): UriVariables | undefined {
    return (this.matcher ??= buildMatcher(this.parts)).match(uri);
  }

  toString(): string {
    return this.template;
  }
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
