import { type Expression, type Operator, RULES, type UriVariables, type VarSpec } from './uri-template-syntax';

/**
 * Matches URIs against a parsed template without backtracking, in time linear in the URI's
 * length (a regex with several `[^?#]*` runs backtracks polynomially, which let one long
 * resources/read URI stall a session).
 *
 * The template flattens into literals and captures. First, a pass from the right bounds each
 * literal: the latest place it can start and still leave room for the literals after it
 * (found with lastIndexOf, each search starting below the previous one's hit). Then a pass
 * from the left: literals must appear exactly where the walk has reached, and a capture
 * first finds its run, the characters up to the first one its operator excludes (e.g.
 * `/?#,` for `{x}`, `?#` for `{+x}`), and then:
 * - followed by the template's final literal, it ends where that literal must begin to end
 *   the URI;
 * - followed by another literal, it ends at the LAST occurrence of that literal that starts
 *   within its run and not after the literal's bound (greedy, like the regex's first try).
 *   No other occurrence is retried: `{+a}/{b}.{+c}` does not match `p/q./,.z`, since a
 *   takes `p/q.` and b cannot hold `,` (a backtracking regex would find a=p, b=q);
 * - followed by a capture or by nothing, it takes the whole run (and must reach the end).
 * Optional parts (`{?q}`, `{&q}`, the `=value` of `{;x}`) are taken when their leading
 * character is present. Every step scans a stretch of the URI a bounded number of times, so
 * the cost is O(URI length × template size).
 */
export interface Matcher {
  match(uri: string): UriVariables | undefined;
}

type Step =
  | { kind: 'literal'; text: string }
  | {
      kind: 'capture';
      /** Characters that end the capture's run. */
      stop: string;
      /** When set, the capture is optional and present only if the URI continues with this. */
      lead: string | undefined;
      read: (raw: string | undefined, result: UriVariables) => boolean;
    };

let stepCount = 0;

/** Characters examined by all matches so far; for tests asserting the work is linear. */
export function uriMatchSteps(): number {
  return stepCount;
}

export function buildMatcher(parts: readonly (string | Expression)[]): Matcher {
  const steps = flatten(parts);
  return { match: (uri) => run(steps, uri) };
}

function run(steps: readonly Step[], uri: string): UriVariables | undefined {
  const result: UriVariables = {};
  const length = uri.length;
  const bounds = literalBounds(steps, uri);
  if (bounds === undefined) return undefined;
  let pos = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    if (step.kind === 'literal') {
      stepCount += step.text.length;
      if (!uri.startsWith(step.text, pos)) return undefined;
      pos += step.text.length;
      continue;
    }
    if (step.lead !== undefined) {
      if (!uri.startsWith(step.lead, pos)) {
        if (!step.read(undefined, result)) return undefined;
        continue;
      }
      pos += step.lead.length;
    }
    let limit = pos;
    while (limit < length && !step.stop.includes(uri[limit] as string)) limit++;
    stepCount += limit - pos;
    const next = steps[i + 1];
    let end: number;
    if (next === undefined) {
      if (limit !== length) return undefined;
      end = length;
    } else if (next.kind === 'capture') {
      end = limit;
    } else if (i + 2 === steps.length) {
      end = length - next.text.length;
      if (end < pos || end > limit) return undefined;
    } else {
      const from = Math.min(limit, bounds[i + 1] as number);
      end = from < pos ? -1 : uri.lastIndexOf(next.text, from);
      stepCount += Math.max(0, from - pos) + next.text.length;
      if (end < pos) return undefined;
    }
    const raw = uri.slice(pos, end);
    stepCount += raw.length;
    if (!step.read(raw, result)) return undefined;
    pos = end;
  }
  return pos === length ? result : undefined;
}

/**
 * For each literal step, the latest index it can start at given only the literals after it
 * (captures may be empty, so they do not move the bound). Undefined when some literal cannot
 * fit at all, which means the URI cannot match.
 */
function literalBounds(steps: readonly Step[], uri: string): number[] | undefined {
  const bounds: number[] = new Array<number>(steps.length).fill(uri.length);
  let right = uri.length;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i] as Step;
    if (step.kind !== 'literal') continue;
    const from = right - step.text.length;
    const found = from < 0 ? -1 : uri.lastIndexOf(step.text, from);
    stepCount += Math.max(0, right - found) + step.text.length;
    if (found === -1) return undefined;
    bounds[i] = found;
    right = found;
  }
  return bounds;
}

function flatten(parts: readonly (string | Expression)[]): Step[] {
  const steps: Step[] = [];
  const literal = (text: string): void => {
    if (text === '') return;
    const last = steps[steps.length - 1];
    if (last?.kind === 'literal') last.text += text;
    else steps.push({ kind: 'literal', text });
  };
  for (const part of parts) {
    if (typeof part === 'string') {
      literal(part);
      continue;
    }
    const { operator, vars } = part;
    if (operator === '?' || operator === '&') {
      // Query parameters: optional and order-independent.
      steps.push({ kind: 'capture', stop: '#', lead: operator, read: (raw, result) => readQuery(vars, raw ?? '', result) });
      continue;
    }
    vars.forEach((spec, index) => {
      literal(index === 0 ? RULES[operator].first : RULES[operator].separator);
      const stop = stopChars(operator, spec, vars.length > 1);
      if (operator === ';') {
        literal(spec.name);
        steps.push({ kind: 'capture', stop, lead: '=', read: (raw, result) => assign(spec.name, raw ?? '', result) });
        return;
      }
      steps.push({
        kind: 'capture',
        stop,
        lead: undefined,
        read: (raw, result) => {
          if (raw === undefined) return false;
          if (!spec.explode) return assign(spec.name, raw, result);
          const items = raw.split(RULES[operator].separator).map(decodeValue);
          if (items.some((item) => item === undefined)) return false;
          result[spec.name] = items as string[];
          return true;
        },
      });
    });
  }
  return steps;
}

/** The characters a variable's value cannot contain, so its run ends at them. */
function stopChars(operator: Operator, spec: VarSpec, multi: boolean): string {
  const comma = multi && !spec.explode ? ',' : '';
  switch (operator) {
    case '':
      return spec.explode ? '/?#' : '/?#,';
    case '+':
      return `?#${comma}`;
    case '#':
      return comma;
    case '.':
      return spec.explode ? '/?#' : '/?#.';
    case '/':
      return spec.explode ? '?#' : '/?#';
    default:
      return ';/?#';
  }
}

function assign(name: string, raw: string, result: UriVariables): boolean {
  const value = decodeValue(raw);
  if (value === undefined) return false;
  result[name] = value;
  return true;
}

function readQuery(vars: readonly VarSpec[], query: string, result: UriVariables): boolean {
  const pairs = parseQuery(query);
  if (pairs === undefined) return false;
  for (const spec of vars) {
    const values = pairs.filter(([key]) => key === spec.name).map(([, value]) => value);
    if (values.length > 0) result[spec.name] = spec.explode ? values : (values[0] as string);
  }
  return true;
}

/** decodeURIComponent, or undefined for malformed escapes. */
export function decodeValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** `a=1&b=2` as decoded pairs, or undefined when an escape is malformed. */
export function parseQuery(query: string): [string, string][] | undefined {
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
