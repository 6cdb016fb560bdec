import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import { connectHttp } from '../src/client';
import { encodeHeaderValue, paramHeaderValues, readParamHeaders } from '../src/client/param-headers';
import { listenHttp, type McpHttpServer } from '../src/hosting';
import { defineServer } from '../src/server';
import { decodeHeaderValue } from '../src/transport/http/mcp-headers';
import type { Tool } from '../src/types/tools';

// x-mcp-header on the client (2026-07-28, streamable-http.mdx "Custom Headers from Tool
// Parameters"): annotations read from tools/list, invalid ones refused, values mirrored into
// Mcp-Param-{Name} headers that our server checks against the body (-32020 otherwise).

const INFO = { name: 'headers-client', version: '1.0.0' };
const tool = (inputSchema: Record<string, unknown>): Tool => ({ name: 't', inputSchema }) as Tool;

describe('readParamHeaders', () => {
  test('finds annotations reached through properties alone, nested ones too', () => {
    expect(
      readParamHeaders(
        tool({
          type: 'object',
          properties: {
            region: { type: 'string', 'x-mcp-header': 'Region' },
            query: { type: 'string' },
            target: { type: 'object', properties: { shard: { type: 'integer', 'x-mcp-header': 'Shard' } } },
            dry: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
            // A property *named* x-mcp-header is not an annotation.
            properties: { type: 'object', properties: { 'x-mcp-header': { type: 'string' } } },
          },
        }),
      ),
    ).toEqual({
      headers: [
        { path: ['region'], header: 'mcp-param-region' },
        { path: ['target', 'shard'], header: 'mcp-param-shard' },
        { path: ['dry'], header: 'mcp-param-dry-run' },
      ],
    });
  });

  test.each([
    ['an empty name', { a: { type: 'string', 'x-mcp-header': '' } }, /not an HTTP token/],
    ['a name with a space', { a: { type: 'string', 'x-mcp-header': 'Two Words' } }, /not an HTTP token/],
    ['a name with CR LF', { a: { type: 'string', 'x-mcp-header': 'A\r\nB' } }, /not an HTTP token/],
    ['a non-string name', { a: { type: 'string', 'x-mcp-header': 7 } }, /not an HTTP token/],
    [
      'a name used twice, whatever its case',
      { a: { type: 'string', 'x-mcp-header': 'Id' }, b: { type: 'string', 'x-mcp-header': 'ID' } },
      /used twice/,
    ],
    ['a number-typed property', { a: { type: 'number', 'x-mcp-header': 'A' } }, /not string, integer or boolean/],
    ['an object-typed property', { a: { type: 'object', 'x-mcp-header': 'A' } }, /not string, integer or boolean/],
    ['an untyped property', { a: { 'x-mcp-header': 'A' } }, /not string, integer or boolean/],
    ['under items', { a: { type: 'array', items: { type: 'string', 'x-mcp-header': 'A' } } }, /not reached/],
    ['under oneOf', { a: { oneOf: [{ type: 'string', 'x-mcp-header': 'A' }] } }, /not reached/],
  ])('refuses %s', (_what, properties, reason) => {
    const read = readParamHeaders(tool({ type: 'object', properties }));
    expect('invalid' in read && read.invalid).toMatch(reason);
  });

  test('refuses annotations on the root, under $defs and under a $ref target', () => {
    expect(readParamHeaders(tool({ type: 'string', 'x-mcp-header': 'Root' }))).toHaveProperty('invalid');
    expect(
      readParamHeaders(
        tool({
          type: 'object',
          $defs: { r: { type: 'string', 'x-mcp-header': 'R' } },
          properties: { r: { $ref: '#/$defs/r' } },
        }),
      ),
    ).toHaveProperty('invalid');
  });
});

describe('header values', () => {
  test('the spec examples', () => {
    expect(encodeHeaderValue('us-west1')).toBe('us-west1');
    expect(encodeHeaderValue('Hello, 世界')).toBe('=?base64?SGVsbG8sIOS4lueVjA==?=');
    expect(encodeHeaderValue(' padded ')).toBe('=?base64?IHBhZGRlZCA=?=');
    expect(encodeHeaderValue('line1\nline2')).toBe('=?base64?bGluZTEKbGluZTI=?=');
    expect(encodeHeaderValue('=?base64?literal?=')).toBe('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=');
    expect(
      paramHeaderValues(
        [
          { path: ['s'], header: 'mcp-param-s' },
          { path: ['i'], header: 'mcp-param-i' },
          { path: ['b'], header: 'mcp-param-b' },
          { path: ['n'], header: 'mcp-param-n' },
          { path: ['o', 'x'], header: 'mcp-param-x' },
          { path: ['missing'], header: 'mcp-param-missing' },
        ],
        { s: 'v', i: -7, b: false, n: null, o: { x: 42 } },
      ),
    ).toEqual({ 'mcp-param-s': 'v', 'mcp-param-i': '-7', 'mcp-param-b': 'false', 'mcp-param-x': '42' });
  });

  test('any string survives encoding and the server decoding, and the header is always legal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (value) => {
        const encoded = encodeHeaderValue(value);
        expect(encoded).toMatch(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$|^$/);
        expect(decodeHeaderValue(encoded, 'Mcp-Param-X')).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Mcp-Param headers against our server, which checks them against the body', () => {
  let node: Node;
  let server: McpHttpServer;
  let calls = 0;

  beforeEach(async () => {
    calls = 0;
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const definition = defineServer({ name: 'headers', version: '1.0.0' })
      .tool<{ region: string; shard?: { id: number }; query: string }>({
        name: 'execute_sql',
        inputSchema: {
          type: 'object',
          properties: {
            region: { type: 'string', 'x-mcp-header': 'Region' },
            shard: {
              type: 'object',
              properties: { id: { type: 'integer', 'x-mcp-header': 'Shard' } },
              required: ['id'],
            },
            query: { type: 'string' },
          },
          required: ['region', 'query'],
        },
        handler: ({ region, shard }) => {
          calls += 1;
          return { content: [{ type: 'text', text: `${region}/${shard?.id ?? '-'}` }] };
        },
      })
      .tool({
        name: 'broken',
        inputSchema: { type: 'object', properties: { ratio: { type: 'number', 'x-mcp-header': 'Ratio' } } },
        handler: () => ({ content: [] }),
      })
      .build();
    server = await listenHttp(definition);
  });
  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  test('listTools leaves out a tool with an invalid annotation and says why; calls carry the headers', async () => {
    const errors: Error[] = [];
    const { client, close } = await connectHttp({
      url: server.url,
      clientInfo: INFO,
      versionNegotiation: 'auto',
      onError: (error) => errors.push(error),
    });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['execute_sql']);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/broken.*left out.*Ratio/)]);
    const result = await client.callTool({
      name: 'execute_sql',
      arguments: { region: 'Zürich', shard: { id: 12 }, query: 'SELECT 1' },
    });
    expect(result.content).toEqual([{ type: 'text', text: 'Zürich/12' }]);
    expect(calls).toBe(1);
    await close();
  });

  test('a call before any listTools is refused (-32020), so the client lists the tools and retries once', async () => {
    const { client, close } = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    const result = await client.callTool({ name: 'execute_sql', arguments: { region: 'eu', query: 'SELECT 1' } });
    expect(result.content).toEqual([{ type: 'text', text: 'eu/-' }]);
    expect(calls).toBe(1);
    await close();
  });

  test('a value the annotation cannot carry still ends in the server refusal, after one retry', async () => {
    const { client, close } = await connectHttp({ url: server.url, clientInfo: INFO, versionNegotiation: 'auto' });
    await client.listTools();
    // An object where the schema says string: no header is sent, and the server insists on one.
    await expect(
      client.callTool({ name: 'execute_sql', arguments: { region: { not: 'a string' }, query: 'x' } }),
    ).rejects.toMatchObject({ code: -32020 });
    expect(calls).toBe(0);
    await close();
  });
});
