import fc from 'fast-check';
import { Node } from '@erlmcp/otp';
import {
  BatcherArgError,
  LlmAnswerError,
  LlmHttpError,
  SinkFailedError,
  batchedRequest,
  countRequest,
  individualRequest,
  llmBatcher,
  localAnswer,
  startLocalLlmServer,
  type LlmBatcherOptions,
  type LocalFault,
  type LocalLlmServer,
  type LocalRequest,
} from '@erlmcp/message-batcher';
import { eventually, outcome } from './helpers';

let node: Node;
let server: LocalLlmServer;
let faults: ((r: LocalRequest) => LocalFault | undefined) | undefined;

beforeEach(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  faults = undefined;
  server = await startLocalLlmServer({ fault: (r) => faults?.(r) });
});
afterEach(async () => {
  await node.stop();
  await server.close();
});

const instructions = {
  system: 'You triage customer support tickets for an online bookshop.',
  answer: 'a short label',
  tools: [
    {
      name: 'lookup_order',
      description: 'Finds an order by its number.',
      parameters: { type: 'object' as const, properties: { order: { type: 'string' as const } }, required: ['order'] },
    },
  ],
};

function make(provider: 'openai' | 'anthropic', extra: Partial<LlmBatcherOptions<string>> = {}) {
  return llmBatcher<string>({
    provider,
    providerOptions: {
      baseUrl: provider === 'openai' ? server.openAiBaseUrl : server.anthropicBaseUrl,
      apiKey: 'test-key',
      retry: { baseBackoffMs: 1, maxBackoffMs: 5, retries: 3 },
    },
    model: 'local-model',
    instructions,
    maxDelayMs: 0,
    maxItems: 10,
    validate: (a) => {
      if (typeof a !== 'string' || !a.startsWith('answer:')) throw new Error(`not an answer: ${JSON.stringify(a)}`);
      return a;
    },
    ...extra,
  });
}

const inputs = (n: number, tag = 't') =>
  Array.from({ length: n }, (_, i) => `ticket ${tag}${i}: where is my order #${1000 + i}?`);

describe.each(['openai', 'anthropic'] as const)('%s', (provider) => {
  test('one request for the batch, instructions once, each caller gets its own answer, tokens counted', async () => {
    const llm = make(provider);
    await llm.start();
    const asked = inputs(7);
    const answers = await Promise.all(asked.map((i) => llm.add(i)));
    expect(answers).toEqual(asked.map(localAnswer));
    expect(server.violations).toEqual([]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.items!.map((i) => i.input)).toEqual(asked);
    expect(request!.items!.map((i) => i.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(request!.system.match(/triage customer support/g)).toHaveLength(1);
    expect(request!.tools.map((t) => t.name)).toEqual(['lookup_order']);
    expect(request!.headers[provider === 'openai' ? 'authorization' : 'x-api-key']).toBe(
      provider === 'openai' ? 'Bearer test-key' : 'test-key',
    );

    const tokens = llm.efficiency().tokens!;
    const individual = asked.reduce((n, i) => n + countRequest(individualRequest(instructions, i), 'o200k_base'), 0);
    const batched = countRequest(
      batchedRequest(
        instructions,
        asked.map((input, i) => ({ id: String(i + 1), input })),
      ),
      'o200k_base',
    );
    expect(tokens.individualInput).toBe(individual);
    expect(tokens.batchedInput).toBe(batched);
    expect(tokens.inputSavings).toBeCloseTo(1 - batched / individual, 10);
    expect(tokens.inputSavings).toBeGreaterThan(0);
    // The local server reports usage counted on what it received: it matches our count of the request sent.
    expect(tokens.providerInput).toBe(batched);
    expect(tokens.providerOutput).toBe(tokens.batchedOutput);
    await llm.stop();
  });
});

describe('answers that need another request', () => {
  test('missing, duplicated and malformed ids are sent again, together, and then answered', async () => {
    faults = (r) =>
      r.index === 0
        ? {
            kind: 'text',
            text: (answers) => {
              const { '2': _missing, ...rest } = answers;
              // id 3 twice, id 4 not an answer: raw JSON text, since an object cannot hold a key twice.
              return JSON.stringify({ ...rest, '4': 42 }).replace('{', `{"3": "answer:deadbeef", `);
            },
          }
        : undefined;
    const llm = make('openai');
    await llm.start();
    const asked = inputs(5);
    expect(await Promise.all(asked.map((i) => llm.add(i)))).toEqual(asked.map(localAnswer));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.items!.map((i) => i.input)).toEqual([asked[1], asked[2], asked[3]]);
  });

  test('an id that never comes back gives up with LlmAnswerError after the batch, the smaller batch and alone', async () => {
    const asked = inputs(3);
    faults = (r) => ({
      kind: 'text',
      text: (answers) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(answers).filter(([id]) => r.items!.find((i) => i.id === id)!.input !== asked[1]),
          ),
        ),
    });
    const llm = make('anthropic');
    await llm.start();
    const [a, b, c] = await Promise.all(asked.map((i) => outcome(llm.add(i))));
    expect(a).toEqual({ ok: true, value: localAnswer(asked[0]!) });
    expect(c).toEqual({ ok: true, value: localAnswer(asked[2]!) });
    const error = (b as { error: LlmAnswerError }).error;
    expect(error).toBeInstanceOf(LlmAnswerError);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/missing from the answer/);
    expect(server.requests.map((r) => r.items!.length)).toEqual([3, 1, 1]);
  });

  test('an answer that is not JSON, or a body that is not JSON, is sent again; if it stays so, the error says why', async () => {
    faults = (r) =>
      r.index === 0
        ? { kind: 'text', text: () => 'Sure! Here are your labels: positive, negative' }
        : r.index === 1
          ? { kind: 'body', body: '<html>oops</html>' }
          : undefined;
    const llm = make('openai', { maxResends: 2 });
    await llm.start();
    const asked = inputs(2);
    expect(await Promise.all(asked.map((i) => llm.add(i)))).toEqual(asked.map(localAnswer));
    // The batch, the same two again (the first answer held no JSON), then each alone.
    expect(server.requests.map((r) => r.items!.length)).toEqual([2, 2, 1, 1]);

    faults = () => ({ kind: 'text', text: () => '{"1": "answer:1", ' });
    const broken = await outcome(llm.add('one more'));
    expect((broken as { error: Error }).error).toBeInstanceOf(LlmAnswerError);
    expect((broken as { error: Error }).error.message).toMatch(/not valid JSON/);
  });
});

describe('HTTP faults', () => {
  test('429 with Retry-After, 500 and a dropped connection are retried; the answers arrive', async () => {
    const plan: (LocalFault | undefined)[] = [
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 503 },
      { kind: 'drop' },
    ];
    faults = (r) => plan[r.index];
    const llm = make('openai');
    await llm.start();
    const asked = inputs(4);
    expect(await Promise.all(asked.map((i) => llm.add(i)))).toEqual(asked.map(localAnswer));
    expect(server.requests).toHaveLength(4);
  });

  test('a status that stays 500 past the retries fails those items with LlmHttpError; a 400 is not retried', async () => {
    faults = () => ({ kind: 'status', status: 500 });
    const llm = make('openai');
    await llm.start();
    const r = await outcome(llm.add('x'));
    const error = (r as { error: LlmHttpError }).error;
    expect(error).toBeInstanceOf(LlmHttpError);
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(4);
    faults = () => ({ kind: 'status', status: 401 });
    const before = server.requests.length;
    const denied = (await outcome(llm.add('y'))) as { error: LlmHttpError };
    expect(denied.error.status).toBe(401);
    expect(server.requests.length - before).toBe(1);
  });

  test('a slow answer past the attempt timeout is retried; a sink timeout aborts the request', async () => {
    faults = (r) => (r.index === 0 ? { kind: 'delay', ms: 2_000 } : undefined);
    const llm = make('openai', {
      providerOptions: { baseUrl: server.openAiBaseUrl, retry: { timeoutMs: 100, baseBackoffMs: 1 } },
    });
    await llm.start();
    expect(await llm.add('slow')).toBe(localAnswer('slow'));
    expect(server.requests).toHaveLength(2);

    faults = () => ({ kind: 'delay', ms: 5_000 });
    const hurried = make('openai', { name: 'hurried', sinkTimeoutMs: 100 });
    await hurried.start();
    const r = await outcome(hurried.add('never in time'));
    expect((r as { error: Error }).error.name).toBe('SinkTimeoutError');
    // The batch's aborted signal reached the HTTP request: the server saw the client leave.
    await eventually(() => server.requests.at(-1)!.abandoned === true);
  });

  test("the callers' abort reaches the request: once every item of a sent batch is cancelled, the connection is dropped", async () => {
    faults = () => ({ kind: 'delay', ms: 5_000 });
    const llm = make('anthropic', { name: 'abandoned' });
    await llm.start();
    const controllers = [new AbortController(), new AbortController()];
    const results = ['first', 'second'].map((input, i) => outcome(llm.add(input, { signal: controllers[i]!.signal })));
    await eventually(() => server.requests.length === 1);
    controllers[0]!.abort('no longer needed');
    controllers[1]!.abort('no longer needed');
    expect(await Promise.all(results)).toEqual([
      { ok: false, error: 'no longer needed' },
      { ok: false, error: 'no longer needed' },
    ]);
    await eventually(() => server.requests[0]!.abandoned === true);
    await llm.stop();
  });
});

test('base URL and key come from OPENAI_* / ANTHROPIC_* when not given; cl100k_base counts with its own encoding', async () => {
  const saved = { ...process.env };
  try {
    process.env.OPENAI_BASE_URL = server.openAiBaseUrl;
    process.env.OPENAI_API_KEY = 'from-env';
    process.env.ANTHROPIC_BASE_URL = server.anthropicBaseUrl;
    process.env.ANTHROPIC_API_KEY = 'anthropic-env';
    const openai = llmBatcher<string>({
      provider: 'openai',
      model: 'm',
      instructions,
      maxDelayMs: 0,
      encoding: 'cl100k_base',
    });
    const anthropic = llmBatcher<string>({
      provider: 'anthropic',
      model: 'm',
      instructions,
      maxDelayMs: 0,
      name: 'from-env-anthropic',
    });
    await openai.start();
    await anthropic.start();
    expect(await openai.add('a')).toBe(localAnswer('a'));
    expect(await anthropic.add('b')).toBe(localAnswer('b'));
    expect(server.requests.map((r) => r.headers.authorization ?? r.headers['x-api-key'])).toEqual([
      'Bearer from-env',
      'anthropic-env',
    ]);
    expect(openai.efficiency().tokens!.batchedInput).toBe(
      countRequest(batchedRequest(instructions, [{ id: '1', input: 'a' }]), 'cl100k_base'),
    );
    expect(openai.efficiency().tokens!.individualInput).toBe(
      countRequest(individualRequest(instructions, 'a'), 'cl100k_base'),
    );
  } finally {
    process.env = saved;
  }
});

test('bad input: a non-string input, bad options', async () => {
  const llm = make('openai');
  await llm.start();
  await expect(llm.add(42 as unknown as string)).rejects.toThrow(
    new BatcherArgError('an LLM input must be a string, got number'),
  );
  expect(() => llmBatcher({ provider: 'gemini' as never, model: 'm', instructions: 'x' })).toThrow(
    /provider must be 'openai', 'anthropic' or an object with complete\(\)/,
  );
  expect(() => llmBatcher({ provider: 'openai', model: '', instructions: 'x' })).toThrow(
    /model must be a non-empty string/,
  );
  expect(() => llmBatcher({ provider: 'openai', model: 'm', instructions: { prompt: 'x' } as never })).toThrow(
    /instructions must be a string or \{ system: string/,
  );
  expect(() => llmBatcher({ provider: 'openai', model: 'm', instructions: 'x', encoding: 'p50k' as never })).toThrow(
    /encoding must be o200k_base or cl100k_base/,
  );
  expect(() =>
    llmBatcher({ provider: 'openai', providerOptions: { baseUrl: 'not a url' }, model: 'm', instructions: 'x' }),
  ).toThrow(/baseUrl is not a URL/);
});

test("property: under random faults, no item is lost, answered twice or given another item's answer", async () => {
  const faultArb: fc.Arbitrary<LocalFault | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.constant(undefined),
    fc.constantFrom<LocalFault>(
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 500 },
      { kind: 'drop' },
      { kind: 'delay', ms: 5 },
      { kind: 'body', body: 'not json' },
    ),
    fc.constant<LocalFault>({ kind: 'text', text: () => '{ broken' }),
    fc.nat(5).map<LocalFault>((k) => ({
      kind: 'text',
      text: (a) => JSON.stringify(Object.fromEntries(Object.entries(a).filter((_, i) => i !== k))),
    })),
    fc.nat(5).map<LocalFault>((k) => ({
      kind: 'text',
      text: (a) =>
        JSON.stringify(Object.fromEntries(Object.entries(a).map(([id, v], i) => [id, i === k ? { wrong: true } : v]))),
    })),
    fc.nat(5).map<LocalFault>((k) => ({
      kind: 'text',
      text: (a) => JSON.stringify(a).replace('{', `{"${k + 1}": "answer:00000000", `),
    })),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(faultArb, { maxLength: 12 }),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom('openai' as const, 'anthropic' as const),
      async (plan, n, provider) => {
        const start = server.requests.length;
        faults = (r) => plan[r.index - start];
        const llm = make(provider, { name: `prop-${start}` });
        await llm.start();
        const asked = inputs(n, `p${start}-`);
        const settled = asked.map(() => 0);
        const results = await Promise.all(
          asked.map((input, i) =>
            llm.add(input).then(
              (value) => {
                settled[i]!++;
                expect(value).toBe(localAnswer(input));
              },
              (error: unknown) => {
                settled[i]!++;
                expect(
                  error instanceof LlmAnswerError || error instanceof LlmHttpError || error instanceof SinkFailedError,
                ).toBe(true);
              },
            ),
          ),
        );
        expect(results).toHaveLength(n);
        expect(settled).toEqual(asked.map(() => 1));
        expect(server.violations).toEqual([]);
        await llm.stop();
      },
    ),
    { numRuns: 25 },
  );
});
