import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Node } from '@erlmcp/otp';
import fs from 'node:fs';
import path from 'node:path';
import { defineServer } from '@erlmcp/mcp/server';
import { listenHttp, type McpHttpServer } from '@erlmcp/mcp/hosting';
import { RequestStateSigner } from '../src/server/request-state';
import { initialize, JSON_HEADERS, messages, raw, type RawResponse } from './helpers/http';
import { greeter } from './readme/greet-tool';

// Multi round-trip requests (2026-07-28, basic/patterns/mrtr.mdx): a tool asks for input in
// its result, the client retries with the answers, and the state the tool kept comes back
// signed.

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

describe('multi round-trip tools/call', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(greeter());
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const call = (
    id: number,
    extra: Record<string, unknown> = {},
    meta: Record<string, unknown> = META,
    args: Record<string, unknown> = { greeting: 'Hello' },
  ): Promise<RawResponse> =>
    raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'greet' },
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'greet', arguments: args, ...extra, _meta: meta },
      }),
    );
  const body = (res: RawResponse) =>
    JSON.parse(res.body) as { result?: Record<string, any>; error?: { code: number; message: string; data?: unknown } };

  it('the official 2.x client answers the elicitation through its handler and gets the final result', async () => {
    const client = new Client(
      { name: 'v2', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: {} } },
    );
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'octocat' } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const result = await client.callTool({ name: 'greet', arguments: { greeting: 'Hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Hi, octocat (state {"asked":"Hi"})' }]);
    await client.close();
  });

  it('asks with input_required and a signed requestState; the retry with answers and the same state completes', async () => {
    const first = body(await call(1)).result!;
    expect(first).toMatchObject({
      resultType: 'input_required',
      inputRequests: { who: { method: 'elicitation/create' } },
      requestState: expect.any(String),
    });
    const retry = body(
      await call(2, {
        inputResponses: { who: { action: 'accept', content: { name: 'ada' } } },
        requestState: first.requestState,
      }),
    );
    expect(retry.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Hello, ada (state {"asked":"Hello"})' }],
    });
  });

  it('refuses a tampered, foreign or misplaced requestState with -32602, and keeps serving', async () => {
    const token = body(await call(1)).result!.requestState as string;
    const answers = { who: { action: 'accept', content: { name: 'mallory' } } };
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), s: { asked: 'admin' } }),
    ).toString('base64url');
    const foreign = new RequestStateSigner().sign(JSON.parse(Buffer.from(payload, 'base64url').toString()).b, {
      asked: 'Hello',
    });
    for (const bad of [`${forged}.${mac}`, foreign, `${payload}.`, 'garbage', '', token.slice(0, -2)]) {
      const res = body(await call(2, { inputResponses: answers, requestState: bad }));
      expect({ bad, error: res.error?.code }).toEqual({ bad, error: -32602 });
    }
    // The state was made for { greeting: 'Hello' }: a call with other arguments cannot use it.
    expect(
      body(await call(3, { inputResponses: answers, requestState: token }, META, { greeting: 'Bye' })).error,
    ).toMatchObject({ code: -32602, message: expect.stringContaining('another request') });
    for (const bad of [42, { a: 1 }]) expect(body(await call(4, { requestState: bad })).error?.code).toBe(-32602);
    expect(body(await call(5, { inputResponses: 'yes' })).error?.code).toBe(-32602);
    expect(body(await call(6, { inputResponses: answers, requestState: token })).result).toMatchObject({
      resultType: 'complete',
    });
  });

  it('a client that did not declare elicitation gets -32021 (HTTP 400) naming it', async () => {
    const res = await call(1, {}, { ...META, 'io.modelcontextprotocol/clientCapabilities': {} });
    expect(res.status).toBe(400);
    expect(body(res).error).toEqual({
      code: -32021,
      message: 'Missing required client capability',
      data: { requiredCapabilities: { elicitation: { form: {} } } },
    });
  });

  it('on a 2025 session the tool cannot ask this way: an isError result, the session goes on', async () => {
    const session = await initialize(server.url);
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-session-id': session },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'greet', arguments: { greeting: 'Hi' } },
      }),
    );
    expect(messages(res)).toEqual([expect.objectContaining({ result: expect.objectContaining({ isError: true }) })]);
  });
});

describe('a tool that changes its arguments before it asks', () => {
  let node: Node;
  let server: McpHttpServer;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const definition = defineServer({ name: 'mutating', version: '1.0.0' })
      .tool<{ text: string }>({
        name: 'shout',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        handler: (args, ctx) => {
          // The digest of the arguments is taken lazily: it must still be that of what the client sent.
          args.text = args.text.toUpperCase();
          if (ctx.inputResponses?.ok === undefined) return ctx.inputRequired!({}, { seen: args.text });
          return { content: [{ type: 'text', text: `${args.text} ${JSON.stringify(ctx.requestState)}` }] };
        },
      })
      .build();
    server = await listenHttp(definition);
  });

  afterEach(async () => {
    await server.close();
    await node.stop();
  });

  const call = (id: number, extra: Record<string, unknown>, text: string): Promise<RawResponse> =>
    raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'shout' },
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'shout', arguments: { text }, ...extra, _meta: META },
      }),
    );

  it('signs the arguments the client sent: the retry with them completes, one with other arguments is refused', async () => {
    const first = JSON.parse((await call(1, {}, 'hi')).body) as { result: { requestState: string } };
    const retry = { inputResponses: { ok: { action: 'accept' } }, requestState: first.result.requestState };
    expect(JSON.parse((await call(2, retry, 'hi')).body)).toMatchObject({
      result: { resultType: 'complete', content: [{ type: 'text', text: 'HI {"seen":"HI"}' }] },
    });
    expect(JSON.parse((await call(3, retry, 'HI')).body)).toMatchObject({ error: { code: -32602 } });
  });
});

describe('multi round-trip prompts/get and resources/read', () => {
  const ask = {
    who: {
      method: 'elicitation/create' as const,
      params: {
        message: 'Who?',
        requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
      },
    },
  };
  const nameOf = (responses: Readonly<Record<string, unknown>> | undefined): string | undefined =>
    (responses?.who as { content?: { name?: string } } | undefined)?.content?.name;
  const definition = () =>
    defineServer({ name: 'mrtr-2', version: '1.0.0' })
      .prompt({
        name: 'intro',
        handler: (_args, ctx) => {
          const name = nameOf(ctx.inputResponses);
          return name === undefined
            ? ctx.inputRequired!(ask, 'prompt')
            : [{ role: 'user', content: { type: 'text', text: `I am ${name}; state ${String(ctx.requestState)}` } }];
        },
      })
      .resource({
        uri: 'memo://me',
        name: 'me',
        read: (uri, ctx) => {
          const name = nameOf(ctx.inputResponses);
          return name === undefined
            ? ctx.inputRequired!(ask, 'resource')
            : [{ uri, text: `${name}; state ${String(ctx.requestState)}` }];
        },
      })
      .build();
  let node: Node;
  let server: McpHttpServer;
  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await listenHttp(definition());
  });
  afterEach(async () => {
    await server.close();
    await node.stop();
  });
  const post = async (method: string, params: Record<string, unknown>, name: string) => {
    const res = await raw(
      server.url,
      'POST',
      { ...JSON_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': name },
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: META } }),
    );
    return JSON.parse(res.body) as { result?: Record<string, any>; error?: { code: number } };
  };

  it('both ask, are retried, and complete; the interim result carries no cache hint', async () => {
    const answers = { who: { action: 'accept', content: { name: 'ada' } } };
    const prompt = (await post('prompts/get', { name: 'intro' }, 'intro')).result!;
    expect(prompt).toMatchObject({ resultType: 'input_required', inputRequests: ask });
    expect(
      (
        await post(
          'prompts/get',
          { name: 'intro', inputResponses: answers, requestState: prompt.requestState },
          'intro',
        )
      ).result,
    ).toMatchObject({
      resultType: 'complete',
      messages: [{ content: { text: 'I am ada; state prompt' } }],
    });
    const resource = (await post('resources/read', { uri: 'memo://me' }, 'memo://me')).result!;
    expect(resource).toMatchObject({ resultType: 'input_required' });
    expect(resource).not.toHaveProperty('ttlMs');
    expect(
      (
        await post(
          'resources/read',
          { uri: 'memo://me', inputResponses: answers, requestState: resource.requestState },
          'memo://me',
        )
      ).result,
    ).toMatchObject({
      resultType: 'complete',
      ttlMs: 0,
      contents: [{ text: 'ada; state resource' }],
    });
    // A state made for the resource does not open the prompt.
    expect(
      (
        await post(
          'prompts/get',
          { name: 'intro', inputResponses: answers, requestState: resource.requestState },
          'intro',
        )
      ).error?.code,
    ).toBe(-32602);
  });
});

test('the README shows the greet tool as it is compiled and run here', () => {
  const example = fs.readFileSync(path.join(__dirname, 'readme', 'greet-tool.ts'), 'utf8').replace(/\n$/, '');
  expect(fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')).toContain(`\`\`\`ts\n${example}\n\`\`\``);
});

describe('RequestStateSigner', () => {
  it('refuses state past its lifetime and state made for another request', () => {
    const signer = new RequestStateSigner({ ttlMs: 1000 });
    const token = signer.sign('tools/call\na', { n: 1 }, 5_000);
    expect(signer.verify('tools/call\na', token, 5_999)).toEqual({ n: 1 });
    expect(() => signer.verify('tools/call\na', token, 6_000)).toThrow(/expired/);
    expect(() => signer.verify('tools/call\nb', token, 5_000)).toThrow(/another request/);
    expect(() => new RequestStateSigner({ key: new Uint8Array(8) })).toThrow(/32 bytes/);
  });
});
