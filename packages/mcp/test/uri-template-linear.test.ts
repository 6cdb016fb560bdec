import fc from 'fast-check';
import { uriMatchSteps } from '../src/server/uri-matcher';
import { UriTemplate } from '../src/server/uri-template';
import { RegexUriTemplate } from './helpers/regex-uri-template';

/**
 * Work units the matcher spent on `uri`, and the bound it must stay within: c × URI length ×
 * template size (its text's length; the NFA has at most about twice as many instructions).
 */
function stepsFor(
  template: UriTemplate,
  uri: string,
): { steps: number; bound: (c: number) => number; result: ReturnType<UriTemplate['match']> } {
  const before = uriMatchSteps();
  const result = template.match(uri);
  return { steps: uriMatchSteps() - before, bound: (c) => c * (uri.length + 1) * template.template.length, result };
}

describe('matching work is linear in the URI length', () => {
  // The review's case: two reserved expressions, many candidate splits.
  const template = new UriTemplate('repo://{+path}/blob/{+file}.md');

  test.each([1, 2, 4])(
    'a crafted %i MB URI that fails only near its start costs a bounded number of steps',
    (megabytes) => {
      const uri = `repo://?${'a/blob/'.repeat(Math.ceil((megabytes << 20) / 7))}x.md`;
      const { steps, bound, result } = stepsFor(template, uri);
      expect(result).toBeUndefined();
      // The lower bound shows the counter is live: this miss can only be found by reading it all.
      expect(steps).toBeGreaterThanOrEqual(uri.length - 'repo://?'.length);
      expect(steps).toBeLessThanOrEqual(bound(2));
    },
  );

  test('a crafted URI that fails at its end is refused without reading the rest', () => {
    const uri = `repo://${'a/blob/'.repeat(Math.ceil((4 << 20) / 7))}x`;
    const { steps, result } = stepsFor(template, uri);
    expect(result).toBeUndefined();
    expect(steps).toBeLessThan(100);
  });

  test.each([1, 4])(
    'a crafted %i MB URI that matches costs a bounded number of steps and splits greedily',
    (megabytes) => {
      const repeats = Math.ceil((megabytes << 20) / 7);
      const uri = `repo://${'a/blob/'.repeat(repeats)}x.md`;
      const { steps, bound, result } = stepsFor(template, uri);
      expect(steps).toBeLessThanOrEqual(bound(2));
      expect(result).toEqual({ path: `${'a/blob/'.repeat(repeats - 1)}a`, file: 'x' });
    },
  );

  test.each([1, 4])('a crafted %i MB URI whose only split is far from the greedy one', (megabytes) => {
    // Every later "/" leaves b holding a ",", so the split must go back to the first one.
    const three = new UriTemplate('x://{+a}/{b}.{+c}/{+d}');
    const tail = '/,.'.repeat(Math.ceil((megabytes << 20) / 3));
    const uri = `x://p/q.${tail}/z`;
    const { steps, bound, result } = stepsFor(three, uri);
    expect(result).toEqual({ a: 'p', b: 'q', c: tail, d: 'z' });
    expect(steps).toBeLessThanOrEqual(bound(2));
  });

  test('three reserved expressions over a URI made of their literals', () => {
    const three = new UriTemplate('x://{+a}/-/{+b}/-/{+c}{#d}');
    const uri = `x://${'/-/'.repeat(700_000)}#/-/`;
    const { steps, bound, result } = stepsFor(three, uri);
    expect(result).toEqual({ a: '/-/'.repeat(699_998), b: '', c: '', d: '/-/' });
    expect(steps).toBeLessThanOrEqual(bound(2));
  });

  test('several expressions and a query stay linear', () => {
    const many = new UriTemplate('x://{+a}/-/{+b}/-/{c}{?q,r}');
    const uri = `x://${'/-/'.repeat(200_000)}z/-/y/-/c?q=${'%41'.repeat(100_000)}`;
    const { steps, bound, result } = stepsFor(many, uri);
    expect(result).toEqual({ a: `${'/-/'.repeat(200_000)}z`, b: 'y', c: 'c', q: 'A'.repeat(100_000) });
    expect(steps).toBeLessThanOrEqual(bound(2));
  });
});

describe('split rule', () => {
  test('a reserved expression followed by a literal ends at its last occurrence', () => {
    expect(new UriTemplate('repo://{+path}/blob/{+file}.md').match('repo://a/blob/b/blob/c.md')).toEqual({
      path: 'a/blob/b',
      file: 'c',
    });
  });

  test('the final literal anchors the end', () => {
    expect(new UriTemplate('f://{+p}.md').match('f://a.md/b.md')).toEqual({ p: 'a.md/b' });
    expect(new UriTemplate('f://{+p}.md').match('f://a.md/b')).toBeUndefined();
  });

  test('later literals bound the split, so a greedy expression leaves room for them', () => {
    expect(new UriTemplate('x://{+a}/{b}/c').match('x://p/q/r/c')).toEqual({ a: 'p/q', b: 'r' });
    expect(new UriTemplate('x://{+a}/-/{+b}/-/{c}').match('x://1/-/2/-/3/-/4')).toEqual({ a: '1/-/2', b: '3', c: '4' });
  });

  test('an earlier occurrence is tried when the greedy split cannot finish', () => {
    // Greedy a=p/q. would leave b holding ","; like a backtracking regex, the match is a=p.
    expect(new UriTemplate('x://{+a}/{b}.{+c}').match('x://p/q./,.z')).toEqual({ a: 'p', b: 'q', c: '/,.z' });
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

  // Templates with one reserved expression, checked since the linear matcher first replaced the regex.
  const single = [
    'x://{+a}/{b}/c',
    'x://{+a}/{b}',
    'x://{a}{+b}/c',
    'x://{+a}ab{b}bc',
    'x://{a}/{+b}/{c}.d',
    'x://{+a},{b}/{c}{?q}',
    'x://{;a,b}/{+c}',
    'x://{/a*}/{+b}',
    'x://{.a}/{+b}/{c}',
    'x://{+a}/{b}{?q}/x',
    'x://{a}/{#b}',
    'x://{#a,b}/{c}',
    'x://{a}.{.b*}/{+c}',
  ];
  test.each(single)('%s: same result on every URI', (text) => {
    const [linear, regex] = [new UriTemplate(text), new RegexUriTemplate(text)];
    fc.assert(
      fc.property(uris, (uri) => expect(linear.match(uri)).toEqual(regex.match(uri))),
      { numRuns: 2000 },
    );
  });

  // Templates with several reserved expressions: see uri-template-oracle.test.ts.
});

describe('the step counter counts what a match reads', () => {
  test('comparing a long literal at every position counts its characters, and stays within the bound', () => {
    const slashes = '/'.repeat(200);
    const template = new UriTemplate(`x://{+a}${slashes}{+b}`);
    const uri = `x://${'/'.repeat(1 << 14)}`;
    const { steps, bound, result } = stepsFor(template, uri);
    expect(result).toEqual({ a: '/'.repeat((1 << 14) - 200), b: '' });
    // Nearly every position compares the whole literal.
    expect(steps).toBeGreaterThan(((1 << 14) - 400) * 200);
    expect(steps).toBeLessThanOrEqual(bound(2));
  });
});
