import fc from 'fast-check';
import { UriTemplate } from '../src/server/uri-template';
import { type Expression, type Operator, parseTemplate } from '../src/server/uri-template-syntax';
import { RegexUriTemplate } from './helpers/regex-uri-template';

// The linear matcher must accept exactly the URIs the backtracking regex accepts and bind the
// same values (the regex's leftmost, greedy split). The regex backtracks, so URIs stay short.

const LITERAL_CHARS = 'ab/.,;=?&#-';
const operators: fc.Arbitrary<Operator> = fc.oneof(
  // Reserved expansions are the interesting case, so they come up most.
  { arbitrary: fc.constantFrom<Operator>('+', '#'), weight: 4 },
  { arbitrary: fc.constantFrom<Operator>('', '.', '/', ';', '?', '&'), weight: 3 },
);
const varSpec = fc
  .tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom('', '', '*', ':2'))
  .map(([name, modifier]) => name + modifier);
const expression = fc
  .tuple(operators, fc.array(varSpec, { minLength: 1, maxLength: 2 }))
  .map(([operator, specs]) => `{${operator}${specs.join(',')}}`);
const literal = fc.stringMatching(new RegExp(`^[${LITERAL_CHARS.replace(/[-/]/g, '\\$&')}]{1,3}$`));
const template = fc
  .array(fc.oneof({ arbitrary: expression, weight: 3 }, { arbitrary: literal, weight: 2 }), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => parts.join(''));

/** Pieces that URIs for `text` are built from: its literals, its separators and value characters. */
function piecesOf(text: string): string[] {
  const literals = parseTemplate(text).filter((part): part is string => typeof part === 'string');
  const expressions = parseTemplate(text).filter((part): part is Expression => typeof part !== 'string');
  const names = expressions.flatMap((e) => e.vars.map((v) => `${v.name}=`));
  return [...literals, ...names, ...LITERAL_CHARS, 'a', 'b', '%41', '%E0', '%', '\n'];
}

const value = fc.stringMatching(/^[ab/.,;=?&#% -]{0,4}$/);
const values = fc.record({
  a: fc.oneof(value, fc.array(value, { maxLength: 2 })),
  b: fc.oneof(value, fc.array(value, { maxLength: 2 })),
  c: value,
  d: fc.array(value, { maxLength: 3 }),
});

/** A template with URIs for it: expansions (mostly matching) and splices of its pieces. */
const cases = template.chain((text) => {
  const spliced = fc.array(fc.constantFrom(...piecesOf(text)), { maxLength: 10 }).map((pieces) => pieces.join(''));
  const expanded = values.map((vars) => new UriTemplate(text).expand(vars));
  const mutated = fc
    .tuple(expanded, fc.nat(), fc.constantFrom(...piecesOf(text)))
    .map(([uri, at, piece]) => uri.slice(0, at % (uri.length + 1)) + piece + uri.slice(at % (uri.length + 1)));
  return fc.tuple(fc.constant(text), fc.oneof(spliced, expanded, mutated));
});

describe('the linear matcher agrees with the backtracking regex', () => {
  test('property: random templates and URIs built from their pieces', () => {
    let matched = 0;
    let runs = 0;
    fc.assert(
      fc.property(cases, ([text, uri]) => {
        const expected = new RegexUriTemplate(text).match(uri);
        expect(new UriTemplate(text).match(uri)).toEqual(expected);
        runs++;
        if (expected !== undefined) matched++;
      }),
      { numRuns: 4000 },
    );
    // Both outcomes must be exercised for the agreement to mean something.
    expect(matched).toBeGreaterThan(runs / 10);
    expect(runs - matched).toBeGreaterThan(runs / 10);
  });

  // Templates with several reserved expansions and literals that repeat inside their values.
  const several = [
    'x://{+a}/{b}.{+c}',
    'x://{+a}/{b}.{+c}/{d}',
    'x://{+a}aba{+b}ab{c}',
    'x://{+a}/x{#f}',
    'x://{+a}/{+b}.md',
    'x://{+a}/{+b}/{+c}',
    'x://{+a},{+b}{#c,d}',
    'x://{#a}/{+b}',
    'x://{+a}{+b}/{c}{?q}',
    'x://{+a}/{;b,c}/{+d}',
  ];
  test.each(several)('%s: same result on every URI', (text) => {
    const [linear, regex] = [new UriTemplate(text), new RegexUriTemplate(text)];
    const uris = fc
      .array(fc.constantFrom(...piecesOf(text)), { maxLength: 12 })
      .map((pieces) => `x://${pieces.join('')}`);
    fc.assert(
      fc.property(uris, (uri) => expect(linear.match(uri)).toEqual(regex.match(uri))),
      { numRuns: 3000 },
    );
  });

  test('a split the regex found by backtracking', () => {
    // a=p/q. is the greedy first try, but then b would hold ","; the regex backs off to a=p.
    const expected = { a: 'p', b: 'q', c: '/,.z' };
    expect(new RegexUriTemplate('x://{+a}/{b}.{+c}').match('x://p/q./,.z')).toEqual(expected);
    expect(new UriTemplate('x://{+a}/{b}.{+c}').match('x://p/q./,.z')).toEqual(expected);
  });

  test('a fragment expansion stops at line terminators, as the regex "." does', () => {
    for (const uri of ['d://doc#a\nb', 'd://doc#a\u2028']) {
      expect(new RegexUriTemplate('d://doc{#s}').match(uri)).toBeUndefined();
      expect(new UriTemplate('d://doc{#s}').match(uri)).toBeUndefined();
    }
  });

  test('undecodable values reject the chosen split rather than trying another', () => {
    // The regex picks a=1/%E0 (greedy) and then fails to decode it; it does not retry a=1.
    const text = 'x://{+a}/{+b}';
    expect(new RegexUriTemplate(text).match('x://1/%E0/2')).toBeUndefined();
    expect(new UriTemplate(text).match('x://1/%E0/2')).toBeUndefined();
  });
});
