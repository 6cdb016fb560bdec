import { InvalidParamsError } from '@erlmcp/mcp';
import { defineServer, type McpServerDefinition, type RequestContext } from '../../src/server';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Hooks that let a test observe and steer the long-running tool. */
export interface FixtureHooks {
  started: Deferred<RequestContext>;
  release: Deferred<void>;
  aborted: Deferred<unknown>;
}

export function fixtureHooks(): FixtureHooks {
  return { started: deferred<RequestContext>(), release: deferred(), aborted: deferred<unknown>() };
}

/** A server exercising every feature, shared by the session, client and interop tests. */
export function fixtureDefinition(hooks: FixtureHooks = fixtureHooks(), pageSize = 100): McpServerDefinition {
  return defineServer({ name: 'fixture-server', version: '1.2.3' }, { instructions: 'Use the tools.', pageSize })
    .tool<{ text: string }>({
      name: 'echo',
      description: 'Echoes its text',
      inputSchema: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
        additionalProperties: false,
      },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .tool<{ a: number; b: number }>({
      name: 'add',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
      outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
      handler: ({ a, b }) => ({ structuredContent: { sum: a + b } }),
    })
    .tool<{ items: number[] }>({
      name: 'legacy-count',
      inputSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { items: { type: 'array', items: { type: 'integer' }, maxItems: 3 } },
        required: ['items'],
      },
      handler: ({ items }) => ({ content: [{ type: 'text', text: String(items.length) }] }),
    })
    .tool({
      name: 'fail',
      handler: () => {
        throw new Error('the tool broke');
      },
    })
    .tool({
      name: 'refuse',
      handler: () => {
        throw new InvalidParamsError('refused explicitly');
      },
    })
    .tool({
      name: 'bad-output',
      outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
      // Typed as the schema says, so that only the run-time check stands in the way.
      handler: () => ({ structuredContent: { sum: 'not a number' as unknown as number } }),
    })
    .tool<{ steps?: number }>({
      name: 'progress',
      inputSchema: { type: 'object', properties: { steps: { type: 'integer', minimum: 1 } } },
      handler: async ({ steps = 3 }, ctx) => {
        for (let i = 1; i <= steps; i++) {
          ctx.progress(i, steps, `step ${i}`);
          ctx.progress(i - 0.5, steps); // not increasing: dropped
          await Promise.resolve();
        }
        return { content: [{ type: 'text', text: `done ${steps}` }] };
      },
    })
    .tool({
      name: 'wait',
      description: 'Runs until released or cancelled',
      handler: async (_args, ctx) => {
        ctx.signal.addEventListener('abort', () => hooks.aborted.resolve(ctx.signal.reason), { once: true });
        ctx.progress(1);
        hooks.started.resolve(ctx);
        await Promise.race([
          hooks.release.promise,
          new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true })),
        ]);
        return { content: [{ type: 'text', text: ctx.signal.aborted ? 'aborted' : 'released' }] };
      },
    })
    .tool({
      name: 'log',
      handler: (_args, ctx) => {
        for (const level of ['debug', 'info', 'warning', 'error'] as const) ctx.log(level, { level }, 'fixture');
        return { content: [] };
      },
    })
    .tool({
      name: 'ask-model',
      handler: async (_args, ctx) => {
        const reply = await ctx.session.createMessage(
          { messages: [{ role: 'user', content: { type: 'text', text: 'hello?' } }], maxTokens: 10 },
          { signal: ctx.signal },
        );
        return { content: [{ type: 'text', text: `model ${reply.model} said ${JSON.stringify(reply.content)}` }] };
      },
    })
    .tool({
      name: 'ask-user',
      handler: async (_args, ctx) => {
        const answer = await ctx.session.elicit({
          message: 'Your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        });
        return { content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content ?? {})}` }] };
      },
    })
    .tool({
      name: 'roots',
      handler: async (_args, ctx) => {
        const { roots } = await ctx.session.listRoots();
        return { content: [{ type: 'text', text: roots.map((root) => root.uri).join(',') }] };
      },
    })
    .resource({
      uri: 'memo://readme',
      name: 'readme',
      mimeType: 'text/plain',
      read: (uri) => [{ uri, mimeType: 'text/plain', text: 'Read me first.' }],
    })
    .resource({
      uri: 'memo://logo',
      name: 'logo',
      mimeType: 'image/png',
      read: (uri) => ({ contents: [{ uri, mimeType: 'image/png', blob: Buffer.from([1, 2, 3]).toString('base64') }] }),
    })
    .resourceTemplate({
      uriTemplate: 'users://{id}/profile{?fields*}',
      name: 'user-profile',
      mimeType: 'application/json',
      read: (uri, variables) => [{ uri, mimeType: 'application/json', text: JSON.stringify(variables) }],
      list: () => [{ uri: 'users://ada/profile', name: 'Ada' }],
      complete: { id: (value) => ['ada', 'alan', 'grace'].filter((name) => name.startsWith(value)) },
    })
    .prompt({
      name: 'greet',
      description: 'Greets someone',
      arguments: [
        { name: 'name', required: true },
        { name: 'style', required: false },
      ],
      handler: ({ name, style }) => [
        { role: 'user', content: { type: 'text', text: `Greet ${name}${style ? ` in a ${style} way` : ''}` } },
      ],
      complete: {
        style: (value) => ['formal', 'friendly', 'funny'].filter((style) => style.startsWith(value)),
        name: () => ({ values: Array.from({ length: 150 }, (_, i) => `name${i}`) }),
      },
    })
    .build();
}
