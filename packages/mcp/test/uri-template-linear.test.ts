import fc from 'fast-check';
import { uriMatchSteps } from '../src/server/uri-matcher';
import { UriTemplate } from '../src/server/uri-template';
import { RegexUriTemplate } from './helpers/regex-uri-template';

/** Characters the matcher examined while matching `uri`. */
function stepsFor(template: UriTemplate, uri: string): { steps: number; result: ReturnType<UriTemplate['match']> } {
  const before = uriMatchSteps();
  const result = template.match(uri);
  return { steps: uriMatchSteps() - before, result };
}

describe('matching work is linear in the URI length', () => {
  // The review's case: two reserved expressions, many candidate splits.
  const template = new UriTemplate('repo://{+path}/blob/{+file}.md');

  test.each([1, 2, 4])('a crafted %i MB URI that fails costs a bounded number of steps', (megabytes) => {
    const uri = `repo://${'a/blob/'.repeat(Math.ceil((megabytes << 20) / 7))}x`;
    const { steps, result } = stepsFor(template, uri);
    expect(result).toBeUndefined();
    // The lower bound shows the counter is live: a miss must still read the whole URI.
    expect(steps).toBeGreaterThanOrEqual(uri.length);
    expect(steps).toBeLessThanOrEqual(4 * uri.length);
  });

  test.each([1, 4])('a crafted %i MB URI that matches costs a bounded number of steps and splits greedily', (megabytes) => {
    const repeats = Math.ceil((megabytes << 20) / 7);
    const uri = `repo://${'a/blob/'.repeat(repeats)}x.md`;
    const { steps, result } = stepsFor(template, uri);
    expect(steps).toBeLessThanOrEqual(6 * uri.length);
    expect(result).toEqual({ path: `${'a/blob/'.repeat(repeats - 1)}a`, file: 'x' });
  });

  test('several expressions and a query stay linear', () => {
    const many = new UriTemplate('x://{+a}/-/{+b}/-/{c}{?q,r}');
    const uri = `x://${'/-/'.repeat(200_000)}z/-/y/-/c?q=${'%41'.repeat(100_000)}`;
    const { steps, result } = stepsFor(many, uri);
    expect(result).toEqual({ a: `${'/-/'.repeat(200_000)}z`, b: 'y', c: 'c', q: 'A'.repeat(100_000) });
    expect(steps).toBeLessThanOrEqual(8 * uri.length);
  });
});

describe('split rule', () => {
  test('a reserved expression followed by a literal ends at its last occurrence', () => {
    expect(new UriTemplate('repo://{+path}/blob/{+file}.md').match('repo://a/blob/b/blob/c.md')).toEqual({ path: 'a/blob/b', file: 'c' });
  });

  test('the final literal anchors the end', () => {
    expect(new UriTemplate('f://{+p}.md').match('f://a.md/b.md')).toEqual({ p: 'a.md/b' });
    expect(new UriTemplate('f://{+p}.md').match('f://a.md/b')).toBeUndefined();
  });

  test('later literals bound the split, so a greedy expression leaves room for them', () => {
    expect(new UriTemplate('x://{+a}/{b}/c').match('x://p/q/r/c')).toEqual({ a: 'p/q', b: 'r' });
    expect(new UriTemplate('x://{+a}/-/{+b}/-/{c}').match('x://1/-/2/-/3/-/4')).toEqual({ a: '1/-/2', b: '3', c: '4' });
  });

  test('an earlier occurrence is never retried (documented limitation)', () => {
    // A backtracking regex finds a=p, b=q, c=/,.z; the linear walk commits to a=p/q. and
    // then b cannot hold the ",".
    expect(new UriTemplate('x://{+a}/{b}.{+c}').match('x://p/q./,.z')).toBeUndefined();
  });

  test('matrix parameters with and without values', () => {
    expect(new UriTemplate('m://r{;x,y}').match('m://r;x=1;y')).toEqual({ x: '1', y: '' });
  });

  test('fragment and label expressions', () => {
    expect(new UriTemplate('d://doc{#section}').match('d://doc#a/b#c')).toEqual({ section: 'a/b#c' });
    expect(new UriTemplate('h://www{.dom*}').match('h://www.example.com')).toEqual({ dom: ['example', 'com'] });
  });

  test('property: one reserved expression round-trips through expand and match', () => {
    const segment = fc.stringMatching(/^[a-z/.]{0,12}$/);
    const word = fc.stringMatching(/^[a-z ]{1,8}$/);
    const template = new UriTemplate('x://{id}/{+rest}/tail{?q}');
    fc.assert(
      fc.property(word, segment, word, (id, rest, q) => {
        const values = { id, rest, q };
        expect(template.match(template.expand(values))).toEqual(values);
      }),
    );
  });
});

describe('agreement with the regex matcher it replaced', () => {
  const uris = fc.stringMatching(/^[ab/.?#,;=&]{0,14}$/).map((tail) => `x://${tail}`);

  // Templates with one reserved expression: an exhaustive search of these found no URI on
  // which the two disagree, so any disagreement here is a regression.
  const single = ['x://{+a}/{b}/c', 'x://{+a}/{b}', 'x://{a}{+b}/c', 'x://{+a}ab{b}bc', 'x://{a}/{+b}/{c}.d', 'x://{+a},{b}/{c}{?q}', 'x://{;a,b}/{+c}', 'x://{/a*}/{+b}', 'x://{.a}/{+b}/{c}', 'x://{+a}/{b}{?q}/x', 'x://{a}/{#b}', 'x://{#a,b}/{c}', 'x://{a}.{.b*}/{+c}'];
  test.each(single)('%s: same result on every URI', (text) => {
    const [linear, regex] = [new UriTemplate(text), new RegexUriTemplate(text)];
    fc.assert(fc.property(uris, (uri) => expect(linear.match(uri)).toEqual(regex.match(uri))), { numRuns: 2000 });
  });

  // With several reserved expressions the linear matcher may refuse a URI the regex split by
  // backtracking, but whatever it does match, it splits the same way.
  const several = ['x://{+a}/{b}.{+c}', 'x://{+a}/{b}.{+c}/{d}', 'x://{+a}aba{+b}ab{c}', 'x://{+a}/x{#f}', 'x://{+a}/{+b}.md'];
  test.each(several)('%s: every match is the regex match', (text) => {
    const [linear, regex] = [new UriTemplate(text), new RegexUriTemplate(text)];
    fc.assert(
      fc.property(uris, (uri) => {
        const found = linear.match(uri);
        if (found !== undefined) expect(found).toEqual(regex.match(uri));
      }),
      { numRuns: 2000 },
    );
  });
});
