/**
 * Compile-time tests: `npm test` type-checks this file (tsc -p tsconfig.test.json). Each
 * @ts-expect-error line must be an error: a tool's arguments and structured output are typed
 * from its JSON Schemas, and an explicit type argument that its inputSchema does not back is
 * refused.
 */
import { defineServer, McpServerDefinition, type ToolDefinition } from '../src/server';

const server = defineServer({ name: 'types', version: '1.0.0' });

// Arguments inferred from the inputSchema literal, no type argument and no `as const`.
server.tool({
  name: 'add',
  inputSchema: {
    type: 'object',
    properties: {
      a: { type: 'number' },
      b: { type: 'integer' },
      note: { type: 'string' },
      op: { enum: ['plus', 'minus'] },
    },
    required: ['a', 'b', 'op'],
    additionalProperties: false,
  },
  handler: ({ a, b, note, op }) => {
    const sum: number = op === 'plus' ? a + b : a - b;
    // @ts-expect-error note is not required: string | undefined
    const text: string = note;
    // @ts-expect-error op is 'plus' | 'minus'
    const other: 'times' = op;
    return { content: [{ type: 'text', text: `${sum} ${text} ${other}` }] };
  },
});

server.tool({
  name: 'closed',
  inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false },
  // @ts-expect-error additionalProperties: false leaves no other argument
  handler: (args) => ({ content: [{ type: 'text', text: String(args.b) }] }),
});

server.tool({
  name: 'nested',
  inputSchema: {
    type: 'object',
    properties: {
      points: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
    },
    required: ['points'],
  },
  handler: ({ points }) => {
    const xs: number[] = points.map((point) => point.x);
    // @ts-expect-error x is a number
    const ys: string[] = points.map((point) => point.x);
    return { content: [{ type: 'text', text: `${xs.length}${ys.length}` }] };
  },
});

server.tool({
  name: 'wrong-annotation',
  inputSchema: { type: 'object', properties: { n: { type: 'string' } }, required: ['n'] },
  // @ts-expect-error the schema gives a string, not a number
  handler: (args: { n: number }) => ({ content: [{ type: 'text', text: String(args.n) }] }),
});

// A schema declared apart, `as const`.
const searchSchema = {
  type: 'object',
  properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1 } },
  required: ['query'],
} as const;
server.tool({
  name: 'search',
  inputSchema: searchSchema,
  handler: ({ query, limit = 10 }) => ({ content: [{ type: 'text', text: query.repeat(limit) }] }),
});

// No inputSchema: any object, values unknown.
server.tool({
  name: 'anything',
  handler: (args) => {
    // @ts-expect-error an argument without a schema is unknown
    const text: string = args.text;
    return { content: [{ type: 'text', text }] };
  },
});

// structuredContent typed from the outputSchema.
const sumSchema = { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] } as const;
server.tool({ name: 'sum', outputSchema: sumSchema, handler: () => ({ structuredContent: { sum: 1 } }) });
server.tool({ name: 'sum-async', outputSchema: sumSchema, handler: async () => ({ structuredContent: { sum: 1 } }) });
server.tool({
  name: 'sum-error',
  outputSchema: sumSchema,
  handler: () => ({ isError: true, content: [{ type: 'text', text: 'no sum' }] }),
});
server.tool({
  name: 'sum-wrong',
  outputSchema: sumSchema,
  // @ts-expect-error sum must be a number
  handler: () => ({ structuredContent: { sum: 'one' } }),
});
server.tool({
  name: 'sum-missing',
  outputSchema: sumSchema,
  // @ts-expect-error sum is required
  handler: () => ({ structuredContent: { total: 1 } }),
});

// The explicit form still compiles where the schema backs the type...
server.tool<{ text: string; count?: number; mode: 'fast' | 'slow'; tags: string[] }>({
  name: 'explicit',
  inputSchema: {
    type: 'object',
    properties: {
      text: { type: 'string' },
      count: { type: 'integer' },
      mode: { type: 'string', enum: ['fast', 'slow'] },
      tags: { type: 'array', items: { type: 'string' } },
      extra: { type: 'boolean' },
    },
    required: ['text', 'mode', 'tags'],
  },
  handler: ({ text, count = 1, mode, tags }) => ({
    content: [{ type: 'text', text: `${text.repeat(count)} ${mode} ${tags.join()}` }],
  }),
});

// ...and is refused where it does not.
server.tool<{ n: number }>({
  name: 'mismatch',
  // @ts-expect-error n is a string in the schema
  inputSchema: { type: 'object', properties: { n: { type: 'string' } }, required: ['n'] },
  handler: ({ n }) => ({ content: [{ type: 'text', text: n.toFixed(2) }] }),
});
server.tool<{ n: number }>({
  name: 'unchecked-property',
  // @ts-expect-error the schema says nothing of n, so any value would reach the handler
  inputSchema: { type: 'object', properties: {}, required: ['n'] },
  handler: ({ n }) => ({ content: [{ type: 'text', text: n.toFixed(2) }] }),
});
server.tool<{ n: number }>({
  name: 'not-required',
  // @ts-expect-error n is required by the type but the schema lets it be left out
  inputSchema: { type: 'object', properties: { n: { type: 'number' } } },
  handler: ({ n }) => ({ content: [{ type: 'text', text: n.toFixed(2) }] }),
});
server.tool<{ mode: 'fast' | 'slow' }>({
  name: 'wide-string',
  // @ts-expect-error any string passes this schema, not only 'fast' or 'slow'
  inputSchema: { type: 'object', properties: { mode: { type: 'string' } }, required: ['mode'] },
  handler: ({ mode }) => ({ content: [{ type: 'text', text: mode }] }),
});
server.tool<{ mode: 'fast' | 'slow' }>({
  name: 'wrong-enum',
  // @ts-expect-error 'medium' is not a mode
  inputSchema: { type: 'object', properties: { mode: { enum: ['fast', 'medium'] } }, required: ['mode'] },
  handler: ({ mode }) => ({ content: [{ type: 'text', text: mode }] }),
});
// @ts-expect-error without a schema any value of steps would reach the handler
server.tool<{ steps?: number }>({
  name: 'no-schema',
  handler: ({ steps = 1 }) => ({ content: [{ type: 'text', text: steps.toFixed() }] }),
});
server.tool<{ ids: number[] }>({
  name: 'wrong-items',
  // @ts-expect-error the items are strings in the schema
  inputSchema: { type: 'object', properties: { ids: { type: 'array', items: { type: 'string' } } }, required: ['ids'] },
  handler: ({ ids }) => ({ content: [{ type: 'text', text: String(ids.length) }] }),
});

// Inference cannot follow a recursive schema; the explicit form takes its $ref on trust.
type Tree = { label: string; children?: Tree[] };
server.tool<{ tree: Tree }>({
  name: 'recursive',
  inputSchema: {
    type: 'object',
    properties: { tree: { $ref: '#/$defs/tree' } },
    required: ['tree'],
    $defs: {
      tree: {
        type: 'object',
        properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/tree' } } },
        required: ['label'],
      },
    },
  },
  handler: ({ tree }) => ({ content: [{ type: 'text', text: tree.label }] }),
});

// A definition typed beforehand is accepted as it is, by the builder and by addTool.
const echo: ToolDefinition<{ text: string }> = {
  name: 'echo',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
};
const loose: ToolDefinition = { name: 'loose', handler: () => ({ content: [] }) };
server.tool(echo).tool(loose);
new McpServerDefinition({ name: 'direct', version: '1.0.0' }).addTool(echo).addTool(loose);
new McpServerDefinition({ name: 'direct', version: '1.0.0' }).addTool({
  name: 'direct-add',
  inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] },
  handler: ({ a }) => ({ structuredContent: { double: a * 2 } }),
});
