/**
 * Tools whose schemas are Standard Schema validators (zod, valibot, arktype): the validator
 * checks the arguments and the structuredContent, tools/list shows its JSON Schema.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { Client } from '@modelcontextprotocol/client';
import { DefinitionError, ErrorCode, SchemaConversionError } from '@erlmcp/mcp';
import { defineServer, type McpServerDefinition, type ToolValidator } from '../src/server';
import { SessionBridgeTransport } from './helpers/sdk';
import { link, readyServer } from './helpers/wire';

type Json = any;

const Add = z.object({ a: z.number(), b: z.number(), times: z.number().int().default(1) });

function calculator(): McpServerDefinition {
  return defineServer({ name: 'standard', version: '1.0.0' })
    .tool({
      name: 'add',
      description: 'Adds, with zod',
      inputSchema: Add,
      outputSchema: z.object({ sum: z.number(), unit: z.string().default('none') }),
      handler: ({ a, b, times }) => ({
        structuredContent: { sum: (a + b) * times, extra: 'stripped' } as { sum: number },
      }),
    })
    .tool({
      name: 'scale',
      inputSchema: v.object({ x: v.number(), factor: v.pipe(v.number(), v.minValue(1)) }),
      inputJsonSchema: {
        type: 'object',
        properties: { x: { type: 'number' }, factor: { type: 'number', minimum: 1 } },
        required: ['x', 'factor'],
      },
      handler: ({ x, factor }) => ({ content: [{ type: 'text', text: String(x * factor) }] }),
    })
    .tool({
      name: 'greet',
      inputSchema: type({ name: 'string', 'loud?': 'boolean' }),
      handler: ({ name, loud }) => ({
        content: [{ type: 'text', text: loud ? `HELLO ${name.toUpperCase()}` : `hello ${name}` }],
      }),
    })
    .tool({
      name: 'reserve',
      // An asynchronous check: ~standard.validate returns a promise.
      inputSchema: z
        .object({ user: z.string() })
        .refine(async ({ user }) => user !== 'taken', { message: 'name taken', path: ['user'] }),
      inputJsonSchema: { type: 'object', properties: { user: { type: 'string' } }, required: ['user'] },
      handler: ({ user }) => ({ content: [{ type: 'text', text: `reserved ${user}` }] }),
    })
    .build();
}

describe('Standard Schema tools', () => {
  test('tools/list shows each validator as JSON Schema: converted (zod, arktype) or as given (valibot)', async () => {
    const { request } = await readyServer(calculator());
    const tools: Json[] = ((await request('tools/list')) as Json).result.tools;
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    // The input side of zod's schema: `times` has a default, so a client may leave it out.
    expect(byName.add.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        a: { type: 'number' },
        b: { type: 'number' },
        times: { type: 'integer', default: 1, minimum: expect.any(Number), maximum: expect.any(Number) },
      },
      required: ['a', 'b'],
    });
    // The output side: what is sent always has `unit`, and nothing else.
    expect(byName.add.outputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { sum: { type: 'number' }, unit: { type: 'string', default: 'none' } },
      required: ['sum', 'unit'],
      additionalProperties: false,
    });
    expect(byName.scale.inputSchema).toEqual({
      type: 'object',
      properties: { x: { type: 'number' }, factor: { type: 'number', minimum: 1 } },
      required: ['x', 'factor'],
    });
    expect(byName.greet.inputSchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, loud: { type: 'boolean' } },
      required: ['name'],
    });
  });

  test('the handler gets the validator output, and the validator output of structuredContent is what is sent', async () => {
    const { request } = await readyServer(calculator());
    const { result } = (await request('tools/call', { name: 'add', arguments: { a: 2, b: 3, ignored: true } })) as Json;
    // times defaulted to 1; the output validator dropped `extra` and filled in `unit`.
    expect(result).toEqual({
      structuredContent: { sum: 5, unit: 'none' },
      content: [{ type: 'text', text: '{"sum":5,"unit":"none"}' }],
    });
    expect(
      ((await request('tools/call', { name: 'add', arguments: { a: 2, b: 3, times: 3 } })) as Json).result
        .structuredContent.sum,
    ).toBe(15);
    expect(
      ((await request('tools/call', { name: 'scale', arguments: { x: 2, factor: 4 } })) as Json).result.content[0].text,
    ).toBe('8');
    expect(
      ((await request('tools/call', { name: 'greet', arguments: { name: 'ada', loud: true } })) as Json).result
        .content[0].text,
    ).toBe('HELLO ADA');
  });

  test('invalid arguments: the validator issues as a tool error in 2025-11-25 (-32602 before), with their paths', async () => {
    const latest = await readyServer(calculator());
    const zod = (
      (await latest.request('tools/call', { name: 'add', arguments: { a: 'two', b: 3, times: 1.5 } })) as Json
    ).result;
    expect(zod.isError).toBe(true);
    expect(zod.content[0].text).toMatch(/^Invalid arguments for tool add: \/a .*number.*; \/times .*int/);
    const valibot = ((await latest.request('tools/call', { name: 'scale', arguments: { x: 1, factor: 0 } })) as Json)
      .result;
    expect(valibot).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/^Invalid arguments for tool scale: \/factor /) }],
    });
    const ark = ((await latest.request('tools/call', { name: 'greet', arguments: {} })) as Json).result;
    expect(ark).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/^Invalid arguments for tool greet: \/name /) }],
    });

    const older = await readyServer(calculator(), { protocolVersion: '2025-06-18' });
    const { error } = (await older.request('tools/call', { name: 'add', arguments: { a: 'two', b: 3 } })) as Json;
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/^Invalid arguments for tool add: \/a /);
  });

  test('an asynchronous validator is awaited', async () => {
    const { request } = await readyServer(calculator());
    expect(
      ((await request('tools/call', { name: 'reserve', arguments: { user: 'ada' } })) as Json).result.content[0].text,
    ).toBe('reserved ada');
    const taken = ((await request('tools/call', { name: 'reserve', arguments: { user: 'taken' } })) as Json).result;
    expect(taken).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Invalid arguments for tool reserve: /user name taken' }],
    });
  });

  test('structuredContent the output validator refuses is -32603, as with a JSON Schema', async () => {
    const definition = defineServer({ name: 'x', version: '1' })
      .tool({
        name: 'bad',
        outputSchema: z.object({ sum: z.number() }),
        handler: () => ({ structuredContent: { sum: 'one' as unknown as number } }),
      })
      .tool({
        name: 'nan',
        outputSchema: z.object({ sum: z.number() }),
        handler: () => ({ structuredContent: { sum: Number.NaN } }),
      })
      .build();
    const { request } = await readyServer(definition);
    const { error } = (await request('tools/call', { name: 'bad' })) as Json;
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(/^Tool bad returned structuredContent not matching its outputSchema: \/sum /);
    // A number JSON cannot carry is named before any validator sees it.
    expect(((await request('tools/call', { name: 'nan' })) as Json).result).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('NaN at /sum') }],
    });
  });

  test('a validator that throws is -32603, and the session goes on', async () => {
    const throwing: ToolValidator = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error('validator bug');
        },
      },
    };
    const rejecting: ToolValidator = {
      '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('async validator bug')) },
    };
    const definition = defineServer({ name: 'x', version: '1' })
      .tool({
        name: 'throws',
        inputSchema: throwing,
        inputJsonSchema: { type: 'object' },
        handler: () => ({ content: [] }),
      })
      .tool({
        name: 'rejects',
        inputSchema: rejecting,
        inputJsonSchema: { type: 'object' },
        handler: () => ({ content: [] }),
      })
      .build();
    const { request } = await readyServer(definition);
    expect(((await request('tools/call', { name: 'throws' })) as Json).error).toEqual({
      code: ErrorCode.InternalError,
      message: 'Tool throws: its inputSchema validator threw: validator bug',
    });
    expect(((await request('tools/call', { name: 'rejects' })) as Json).error.message).toBe(
      'Tool rejects: its inputSchema validator threw: async validator bug',
    );
    expect(((await request('ping')) as Json).result).toEqual({});
  });

  test('a validator with no JSON Schema fails at definition time with SchemaConversionError', () => {
    const build = (define: () => unknown): unknown => {
      try {
        define();
      } catch (error) {
        return error;
      }
      throw new Error('no error');
    };
    // valibot 1 does not implement Standard JSON Schema (JavaScript callers get past the types).
    const valibot = build(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({
          name: 'point',
          inputSchema: v.object({ x: v.number() }) as ToolValidator,
          handler: () => ({ content: [] }),
        } as never)
        .build(),
    );
    expect(valibot).toBeInstanceOf(SchemaConversionError);
    expect(valibot).toBeInstanceOf(DefinitionError);
    expect(valibot).toMatchObject({
      tool: 'point',
      schema: 'inputSchema',
      vendor: 'valibot',
      message:
        'Tool point: its inputSchema (valibot) cannot be converted to JSON Schema: valibot does not implement Standard JSON Schema (~standard.jsonSchema); give inputJsonSchema beside it',
    });
    // zod can convert, but not a transform on the side that is sent.
    const transform = build(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({
          name: 'length',
          outputSchema: z.object({ n: z.string().transform((text) => text.length) }),
          handler: () => ({ structuredContent: { n: 'abc' } }),
        })
        .build(),
    ) as SchemaConversionError;
    expect(transform).toBeInstanceOf(SchemaConversionError);
    expect(transform).toMatchObject({ tool: 'length', schema: 'outputSchema', vendor: 'zod' });
    expect(transform.message).toMatch(
      /Transforms cannot be represented in JSON Schema; give outputJsonSchema beside it$/,
    );
    expect(transform.cause).toBeInstanceOf(Error);
    // Not an object schema, and a second JSON Schema beside a JSON Schema.
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({ name: 's', inputSchema: z.string(), handler: () => ({}) } as never)
        .build(),
    ).toThrow('Tool s: inputSchema must have type "object"');
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({
          name: 'j',
          inputSchema: { type: 'object' },
          inputJsonSchema: { type: 'object' },
          handler: () => ({}),
        } as never)
        .build(),
    ).toThrow('Tool j: inputSchema is a JSON Schema already; inputJsonSchema goes beside a Standard Schema validator');
    expect(() =>
      defineServer({ name: 'x', version: '1' })
        .tool({ name: 'o', outputJsonSchema: { type: 'object' }, handler: () => ({}) } as never)
        .build(),
    ).toThrow('Tool o: outputJsonSchema goes beside a Standard Schema outputSchema, and there is none');
  });
});

describe('clients and Standard Schema tools', () => {
  test('our client checks structuredContent against the converted outputSchema', async () => {
    const { client } = link(calculator());
    await client.connect();
    await client.listTools();
    expect(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).toMatchObject({
      structuredContent: { sum: 2, unit: 'none' },
    });
    client.close();
  });

  async function connect<C extends { connect(transport: SessionBridgeTransport): Promise<void> }>(
    client: C,
  ): Promise<C> {
    const transport = new SessionBridgeTransport();
    const session = calculator().createSession({ send: transport.deliver });
    transport.attach(session);
    await client.connect(transport);
    return client;
  }

  test('the 2.x client lists, calls, and gets validation issues as a tool error', async () => {
    const client = await connect(new Client({ name: 'v2', version: '2.0.0' }));
    const { tools } = await client.listTools();
    expect(tools.find((tool) => tool.name === 'add')?.outputSchema).toMatchObject({ required: ['sum', 'unit'] });
    expect(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).toMatchObject({
      structuredContent: { sum: 42, unit: 'none' },
    });
    const invalid = await client.callTool({ name: 'add', arguments: { a: 'x', b: 1 } });
    expect(invalid).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringMatching(/^Invalid arguments for tool add: \/a /) }],
    });
    await client.close();
  });

  test('the 1.x client takes the converted outputSchema, 2020-12 $schema and all, into its draft-07 ajv', async () => {
    const client = await connect(new SdkClient({ name: 'v1', version: '1.0.0' }));
    await client.listTools(); // the client compiles each outputSchema here
    expect(await client.callTool({ name: 'add', arguments: { a: 1, b: 2, times: 2 } })).toMatchObject({
      structuredContent: { sum: 6, unit: 'none' },
    });
    await client.close();
  });
});
