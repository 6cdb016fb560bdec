// The regex-based matcher that uri-matcher.ts replaced (commit e3fb8ae), kept only as an
// oracle: the linear matcher must agree with it on every URI. Its regexes backtrack,
// so feed it only short URIs. Parsing and value decoding are the package's own.
import { decodeValue, parseQuery } from '../../src/server/uri-matcher-program';
import {
  type Expression,
  type Operator,
  parseTemplate,
  RULES,
  type UriVariables,
  type VarSpec,
} from '../../src/server/uri-template-syntax';

export class RegexUriTemplate {
  private readonly parts: (string | Expression)[];
  private matcher: Matcher | undefined;

  constructor(template: string) {
    this.parts = parseTemplate(template);
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

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
