import { DefinitionError } from '@erlmcp/mcp';
import { UriTemplate } from '../src/server';

// Variables and expected expansions from RFC 6570 section 3.2.
const vars = {
  var: 'value',
  hello: 'Hello World!',
  path: '/foo/bar',
  empty: '',
  list: ['red', 'green', 'blue'],
  x: '1024',
  y: '768',
};

describe('expansion (RFC 6570 examples)', () => {
  test.each([
    ['{var}', 'value'],
    ['{hello}', 'Hello%20World%21'],
    ['{+hello}', 'Hello%20World!'],
    ['{+path}/here', '/foo/bar/here'],
    ['{#path}', '#/foo/bar'],
    ['X{.var}', 'X.value'],
    ['{/var,x}/here', '/value/1024/here'],
    ['{;x,y,empty}', ';x=1024;y=768;empty'],
    ['{?x,y,empty}', '?x=1024&y=768&empty='],
    ['?fixed=yes{&x}', '?fixed=yes&x=1024'],
    ['{var:3}', 'val'],
    ['{list}', 'red,green,blue'],
    ['{list*}', 'red,green,blue'],
    ['{/list*}', '/red/green/blue'],
    ['{?list*}', '?list=red&list=green&list=blue'],
    ['{?undefined}', ''],
    ['{x,undefined,y}', '1024,768'],
  ])('%s → %s', (template, expected) => {
    expect(new UriTemplate(template).expand(vars)).toBe(expected);
  });
});

describe('matching', () => {
  test('simple and path variables', () => {
    const template = new UriTemplate('users://{id}/posts/{post}');
    expect(template.variableNames).toEqual(['id', 'post']);
    expect(template.match('users://42/posts/hello%20world')).toEqual({ id: '42', post: 'hello world' });
    expect(template.match('users://42/posts')).toBeUndefined();
    expect(template.match('users://4/2/posts/x')).toBeUndefined();
  });

  test('reserved expansion spans slashes', () => {
    expect(new UriTemplate('file:///{+path}').match('file:///src/index.ts')).toEqual({ path: 'src/index.ts' });
  });

  test('query parameters are optional and order-independent', () => {
    const template = new UriTemplate('search://items{?q,limit}');
    expect(template.match('search://items?limit=5&q=a%26b')).toEqual({ q: 'a&b', limit: '5' });
    expect(template.match('search://items')).toEqual({});
  });

  test('exploded lists come back as arrays', () => {
    expect(new UriTemplate('tags://{/tags*}').match('tags:///a/b/c')).toEqual({ tags: ['a', 'b', 'c'] });
  });

  test('match inverts expand', () => {
    const template = new UriTemplate('db://{schema}/{table}{?columns*}');
    const values = { schema: 'public', table: 'my table', columns: ['a', 'b'] };
    expect(template.match(template.expand(values))).toEqual(values);
  });

  test('undecodable input does not match', () => {
    expect(new UriTemplate('x://{id}').match('x://%E0%A4%A')).toBeUndefined();
  });
});

test('invalid templates are definition errors', () => {
  for (const bad of ['x://{id', 'x://id}', 'x://{=id}', 'x://{a b}', 'x://{id:0}']) {
    expect(() => new UriTemplate(bad)).toThrow(DefinitionError);
  }
});
