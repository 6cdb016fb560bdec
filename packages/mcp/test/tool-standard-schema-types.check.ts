/**
 * Compile-time tests: `npm test` type-checks this file (tsc -p tsconfig.test.json). Each
 * @ts-expect-error line must be an error: a tool whose schemas are Standard Schema validators
 * (zod, valibot, arktype) has its arguments typed from the input schema's output, and its
 * structuredContent from the output schema's input.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { defineServer, McpServerDefinition } from '../src/server';

const server = defineServer({ name: 'standard', version: '1.0.0' });

// zod, as users of the official SDK write it.
server.tool({
  name: 'add',
  inputSchema: z.object({ a: z.number(), b: z.number(), note: z.string().optional() }),
  handler: ({ a, b, note }) => {
    const sum: number = a + b;
    // @ts-expect-error note is optional
    const text: string = note;
    return { content: [{ type: 'text', text: `${sum}${text}` }] };
  },
});

// The handler gets what the validator outputs: defaults filled in, transforms applied.
server.tool({
  name: 'shout',
  inputSchema: z.object({ text: z.string().transform((text) => text.length), times: z.number().default(1) }),
  handler: ({ text, times }) => {
    const length: number = text * times;
    // @ts-expect-error text is the transform's number by now
    const original: string = text;
    return { content: [{ type: 'text', text: `${length}${original}` }] };
  },
});

server.tool({
  name: 'wrong-annotation',
  inputSchema: z.object({ n: z.string() }),
  // @ts-expect-error the validator gives a string, not a number
  handler: (args: { n: number }) => ({ content: [{ type: 'text', text: String(args.n) }] }),
});

// outputSchema: the handler returns what the validator takes in.
const Sum = z.object({ sum: z.number() });
server.tool({
  name: 'sum',
  inputSchema: z.object({ a: z.number() }),
  outputSchema: Sum,
  handler: ({ a }) => ({ structuredContent: { sum: a } }),
});
server.tool({
  name: 'sum-wrong',
  outputSchema: Sum,
  // @ts-expect-error sum must be a number
  handler: () => ({ structuredContent: { sum: 'one' } }),
});

// A JSON Schema input and a validator output, or the other way round.
server.tool({
  name: 'mixed',
  inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] },
  outputSchema: Sum,
  handler: ({ a }) => ({ structuredContent: { sum: a } }),
});

// arktype implements Standard JSON Schema too.
server.tool({
  name: 'ark',
  inputSchema: type({ city: 'string', 'days?': 'number' }),
  handler: ({ city, days = 1 }) => ({ content: [{ type: 'text', text: city.repeat(days) }] }),
});

// valibot 1.x validates but cannot give its JSON Schema: inputJsonSchema must say it.
const Point = v.object({ x: v.number(), y: v.number() });
server.tool({
  name: 'valibot',
  inputSchema: Point,
  inputJsonSchema: {
    type: 'object',
    properties: { x: { type: 'number' }, y: { type: 'number' } },
    required: ['x', 'y'],
  },
  handler: ({ x, y }) => ({ content: [{ type: 'text', text: String(x + y) }] }),
});
// @ts-expect-error valibot has no ~standard.jsonSchema, and no inputJsonSchema is given
server.tool({
  name: 'valibot-bare',
  inputSchema: Point,
  handler: ({ x }) => ({ content: [{ type: 'text', text: String(x) }] }),
});
server.tool({
  name: 'valibot-output',
  outputSchema: Point,
  outputJsonSchema: {
    type: 'object',
    properties: { x: { type: 'number' }, y: { type: 'number' } },
    required: ['x', 'y'],
  },
  handler: () => ({ structuredContent: { x: 1, y: 2 } }),
});

server.tool({
  name: 'json-with-json',
  inputSchema: { type: 'object' },
  // @ts-expect-error a JSON Schema needs no second JSON Schema
  inputJsonSchema: { type: 'object' },
  handler: () => ({ content: [] }),
});

// An override is welcome where the library's conversion exists.
server.tool({
  name: 'zod-override',
  inputSchema: z.object({ when: z.string() }),
  inputJsonSchema: {
    type: 'object',
    properties: { when: { type: 'string', format: 'date-time' } },
    required: ['when'],
  },
  handler: ({ when }) => ({ content: [{ type: 'text', text: when }] }),
});

// @ts-expect-error a tool's arguments are an object, not a string
server.tool({ name: 'not-an-object', inputSchema: z.string(), handler: () => ({ content: [] }) });

// The explicit form checks the validator's output against the type argument.
server.tool<{ a: number }>({
  name: 'explicit',
  inputSchema: z.object({ a: z.number() }),
  handler: ({ a }) => ({ content: [{ type: 'text', text: a.toFixed() }] }),
});
server.tool<{ a: number }>({
  name: 'explicit-mismatch',
  // @ts-expect-error the validator outputs a string
  inputSchema: z.object({ a: z.string() }),
  handler: ({ a }) => ({ content: [{ type: 'text', text: a.toFixed() }] }),
});

new McpServerDefinition({ name: 'direct', version: '1.0.0' }).addTool({
  name: 'direct',
  inputSchema: z.object({ a: z.number() }),
  outputSchema: z.object({ double: z.number() }),
  handler: async ({ a }) => ({ structuredContent: { double: a * 2 } }),
});
