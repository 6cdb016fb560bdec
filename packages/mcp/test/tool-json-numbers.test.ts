/**
 * JSON has no NaN or Infinity: JSON.stringify sends them as null, and a client checking the
 * outputSchema then rejects the whole result. The server refuses them instead, with a tool
 * error that names where the bad number sits.
 */
import fc from 'fast-check';
import { Client } from '@modelcontextprotocol/client';
import { defineServer, type McpServerDefinition } from '../src/server';
import { SessionBridgeTransport } from './helpers/sdk';
import { readyServer } from './helpers/wire';

type Json = any;
type StructuredContent = { [key: string]: unknown };

/** A server whose one tool returns, as structuredContent, whatever the test put in `next`. */
function echoing(outputSchema?: { type: 'object'; [keyword: string]: unknown }): {
  definition: McpServerDefinition;
  next: { value: StructuredContent };
} {
  const next = { value: {} as StructuredContent };
  const definition = defineServer({ name: 'numbers', version: '1.0.0' })
    .tool({
      name: 'measure',
      ...(outputSchema && { outputSchema }),
      handler: () => ({ structuredContent: next.value }),
    })
    .build();
  return { definition, next };
}

describe('structuredContent holding numbers JSON cannot carry', () => {
  test.each([
    ['NaN', { value: Number.NaN }, '/value'],
    ['Infinity', { series: [1, 2, Number.POSITIVE_INFINITY] }, '/series/2'],
    ['-Infinity', { nested: { 'a/b': { '~c': Number.NEGATIVE_INFINITY } } }, '/nested/a~1b/~0c'],
  ])('%s is a tool error naming its JSON Pointer', async (label, structured, pointer) => {
    const { definition, next } = echoing({ type: 'object' });
    next.value = structured;
    const { request } = await readyServer(definition);
    const { result } = (await request('tools/call', { name: 'measure' })) as Json;
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: expect.stringContaining(`${label} at ${pointer}`) }]);
  });

  test('-0 and finite numbers pass (JSON writes -0 as 0)', async () => {
    const { definition, next } = echoing();
    next.value = { zero: -0, big: Number.MAX_VALUE, tiny: Number.MIN_VALUE };
    const { request } = await readyServer(definition);
    const { result } = (await request('tools/call', { name: 'measure' })) as Json;
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual({ zero: 0, big: Number.MAX_VALUE, tiny: Number.MIN_VALUE });
  });

  test('a cycle is not followed: the encoder still answers -32603 as before', async () => {
    const { definition, next } = echoing();
    const cyclic: StructuredContent = { n: 1 };
    cyclic.self = cyclic;
    next.value = cyclic;
    const { request } = await readyServer(definition);
    expect(((await request('tools/call', { name: 'measure' })) as Json).error.code).toBe(-32603);
  });

  test('any JSON value with one non-finite number put anywhere: refused, at exactly that place', async () => {
    const { definition, next } = echoing();
    const { request } = await readyServer(definition);
    const bad = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
        fc.array(fc.nat()),
        bad,
        async (base, choices, number) => {
          // Walk down `base` along `choices`, then put the bad number in a container there.
          const path: string[] = [];
          let container: Json = base;
          for (const choice of choices) {
            const keys = Object.keys(container);
            if (keys.length === 0) break;
            const key = keys[choice % keys.length]!;
            const child = container[key];
            if (typeof child !== 'object' || child === null) break;
            path.push(key);
            container = child;
          }
          const key = Array.isArray(container) ? String(container.length) : 'bad';
          if (Array.isArray(container)) container.push(number);
          else container[key] = number;
          path.push(key);
          next.value = base;
          const pointer = path.map((step) => `/${step.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
          const { result } = (await request('tools/call', { name: 'measure' })) as Json;
          expect(result.isError).toBe(true);
          expect(result.content[0].text).toContain(`at ${pointer} (`);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('any JSON value passes untouched', async () => {
    const { definition, next } = echoing();
    const { request } = await readyServer(definition);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), async (value) => {
        next.value = value;
        const { result } = (await request('tools/call', { name: 'measure' })) as Json;
        expect(result.isError).toBeUndefined();
        expect(result.structuredContent).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  test('the official 2.x client gets the tool error instead of failing on null', async () => {
    const { definition, next } = echoing({
      type: 'object',
      properties: { celsius: { type: 'number' } },
      required: ['celsius'],
    });
    next.value = { celsius: Number.NaN };
    const transport = new SessionBridgeTransport();
    const session = definition.createSession({ send: transport.deliver });
    transport.attach(session);
    const client = new Client({ name: 'v2', version: '2.0.0' });
    await client.connect(transport);
    await client.listTools(); // the client learns the outputSchema here
    const result = await client.callTool({ name: 'measure', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: expect.stringContaining('NaN at /celsius') }]);
    await client.close();
  });
});
