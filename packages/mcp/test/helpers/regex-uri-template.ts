// The regex-based matcher that uri-matcher.ts replaced (commit e3fb8ae), kept only as an
// oracle: the linear matcher must agree with it wherever it finds a match. Its regexes backtrack,
// so feed it only short URIs.
import { DefinitionError } from '../../src/protocol/errors';

/** Values bound to a template's variables; exploded (`*`) variables take lists. */
export type UriVariables = { [name: string]: string | string[] };

interface VarSpec {
  name: string;
  explode: boolean;
  prefix: number | undefined;
}

interface Expression {
  operator: Operator;
  vars: VarSpec[];
}

type Operator = '' | '+' | '#' | '.' | '/' | ';' | '?' | '&';

interface OperatorRules {
  first: string;
  separator: string;
  named: boolean;
  ifEmpty: string;
  allowReserved: boolean;
}

// RFC 6570 appendix A.
const RULES: Record<Operator, OperatorRules> = {
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

  /** The variables that expand to `uri`, or undefined when it does not fit the template. */
  match(uri: string): UriVariables | undefined {
    const matcher = (this.matcher ??= buildMatcher(this.parts));
    const found = matcher.regex.exec(uri);
    if (!found) return undefined;
    const result: UriVariables = {};
    const groups = found.slice(1);
    for (const read of matcher.readers) if (!read(groups, result)) return undefined;
    return result;
  }

  toString(): string {
    return this.template;
  }
}

/** Reads one capture group into the result; false when the text cannot be decoded. */
type GroupReader = (groups: (string | undefined)[], result: UriVariables) => boolean;

interface Matcher {
  regex: RegExp;
  readers: GroupReader[];
}

function buildMatcher(parts: readonly (string | Expression)[]): Matcher {
  let source = '^';
  const readers: GroupReader[] = [];
  const capture = (pattern: string, read: (raw: string | undefined, result: UriVariables) => boolean): void => {
    const index = readers.length;
    source += `(${pattern})`;
    readers.push((groups, result) => read(groups[index], result));
  };

  for (const part of parts) {
    if (typeof part === 'string') {
      source += escapeRegex(part);
      continue;
    }
    const { operator, vars } = part;
    if (operator === '?' || operator === '&') {
      // Query parameters: optional and order-independent.
      capture(`(?:${escapeRegex(operator)}[^#]*)?`, (raw, result) => {
        const pairs = parseQuery(raw === undefined || raw === '' ? '' : raw.slice(1));
        if (pairs === undefined) return false;
        for (const spec of vars) {
          const values = pairs.filter(([key]) => key === spec.name).map(([, value]) => value);
          if (values.length > 0) result[spec.name] = spec.explode ? values : (values[0] as string);
        }
        return true;
      });
      continue;
    }
    vars.forEach((spec, index) => {
      source += escapeRegex(index === 0 ? RULES[operator].first : RULES[operator].separator);
      const pattern = valuePattern(operator, spec, vars.length > 1);
      if (operator === ';') {
        source += escapeRegex(spec.name);
        capture(`(?:=${pattern})?`, (raw, result) => {
          const value = decodeValue(raw === undefined || raw === '' ? '' : raw.slice(1));
          if (value === undefined) return false;
          result[spec.name] = value;
          return true;
        });
        return;
      }
      capture(pattern, (raw, result) => {
        if (raw === undefined) return false;
        if (!spec.explode) {
          const value = decodeValue(raw);
          if (value === undefined) return false;
          result[spec.name] = value;
          return true;
        }
        const items = raw.split(RULES[operator].separator).map(decodeValue);
        if (items.some((item) => item === undefined)) return false;
        result[spec.name] = items as string[];
        return true;
      });
    });
  }
  return { regex: new RegExp(`${source}$`), readers };
}

function valuePattern(operator: Operator, spec: VarSpec, multi: boolean): string {
  const stop = multi && !spec.explode ? ',' : '';
  switch (operator) {
    case '':
      return spec.explode ? '[^/?#]*' : '[^/?#,]*';
    case '+':
      return `[^?#${stop}]*`;
    case '#':
      return stop ? '[^,]*' : '.*';
    case '.':
      return spec.explode ? '[^/?#]*' : '[^/?#.]*';
    case '/':
      return spec.explode ? '[^?#]*' : '[^/?#]*';
    default:
      return '[^;/?#]*';
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

function decodeValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function parseQuery(query: string): [string, string][] | undefined {
  if (query === '') return [];
  const pairs: [string, string][] = [];
  for (const piece of query.split('&')) {
    const eq = piece.indexOf('=');
    const key = decodeValue(eq === -1 ? piece : piece.slice(0, eq));
    const value = decodeValue(eq === -1 ? '' : piece.slice(eq + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
