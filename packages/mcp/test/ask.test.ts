import { defineServer } from '../src/server';
import { modernMeta, modernWire } from './helpers/modern-wire';

// ctx.ask: one tool, written once, asks the client on a 2025 session (server-to-client
// requests) and on a 2026-07-28 request (input_required, then the retry's answers).

const NAME = {
  method: 'elicitation/create' as const,
  params: {
    message: 'Name?',
    requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
  },
};
const COLOUR = { ...NAME, params: { ...NAME.params, message: 'Colour?' } };

function definition() {
  return defineServer({ name: 'asker', version: '1' })
    .tool({
      name: 'greet',
      handler: async (_args, ctx) => {
        // Two questions in two rounds: the answers of the first survive the second's retry.
        const first = await ctx.ask({ name: NAME }, { step: 1 });
        if (first.status === 'input_required') return first.result;
        const second = await ctx.ask({ colour: COLOUR }, { step: 2 });
        if (second.status === 'input_required') return second.result;
        const name = (first.responses.name as { content: { v: string } }).content.v;
        const colour = (second.responses.colour as { content: { v: string } }).content.v;
        return {
          content: [{ type: 'text', text: `${name} likes ${colour} (state ${JSON.stringify(ctx.requestState)})` }],
        };
      },
    })
    .build();
}

const accept = (v: string) => ({ action: 'accept', content: { v } });

describe('ctx.ask', () => {
  it('on a 2025 session: sends elicitation/create for each question and awaits the answers', async () => {
    const wire = modernWire(definition());
    await wire.call('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: { elicitation: {} },
      clientInfo: { name: 'c', version: '1' },
    });
    wire.session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answer = wire.call('tools/call', { name: 'greet' }, 'g');
    const answerNext = async (expected: string, value: string) => {
      for (
        let i = 0;
        i < 1000 && !wire.sent.some((m) => m.method === 'elicitation/create' && m.params.message === expected);
        i++
      )
        await new Promise((resolve) => setImmediate(resolve));
      const request = wire.sent.find((m) => m.method === 'elicitation/create' && m.params.message === expected)!;
      expect(request).toBeDefined();
      wire.session.receive({ jsonrpc: '2.0', id: request.id, result: accept(value) });
    };
    await answerNext('Name?', 'ada');
    await answerNext('Colour?', 'teal');
    expect((await answer).result!.content).toEqual([{ type: 'text', text: 'ada likes teal (state undefined)' }]);
  });

  it('on a 2025 session without the capability: the handler gets the error, as elicit would give it', async () => {
    const wire = modernWire(definition());
    await wire.call('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'c', version: '1' },
    });
    wire.session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answer = await wire.call('tools/call', { name: 'greet' });
    expect(answer.result).toMatchObject({ isError: true });
  });

  it('on 2026-07-28: input_required per round, the answers so far carried in the signed state, then the result', async () => {
    const wire = modernWire(definition());
    const meta = modernMeta({ elicitation: {} });
    const first = (await wire.call('tools/call', { name: 'greet', _meta: meta })).result!;
    expect(first).toMatchObject({ resultType: 'input_required', inputRequests: { name: NAME } });
    const second = (
      await wire.call('tools/call', {
        name: 'greet',
        inputResponses: { name: accept('ada') },
        requestState: first.requestState,
        _meta: meta,
      })
    ).result!;
    expect(second).toMatchObject({ resultType: 'input_required', inputRequests: { colour: COLOUR } });
    expect(second.inputRequests.name).toBeUndefined();
    const done = (
      await wire.call('tools/call', {
        name: 'greet',
        inputResponses: { colour: accept('teal') },
        requestState: second.requestState,
        _meta: meta,
      })
    ).result!;
    // The handler sees its own state, not what ask added to it.
    expect(done).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'ada likes teal (state {"step":2})' }],
    });
    // The carried answers are signed: a state from another round trip with altered answers is refused.
    const tampered = (second.requestState as string).replace(/^./, (c) => (c === 'e' ? 'f' : 'e'));
    const refused = await wire.call('tools/call', {
      name: 'greet',
      inputResponses: { colour: accept('teal') },
      requestState: tampered,
      _meta: meta,
    });
    expect(refused.error?.code).toBe(-32602);
    // Without the capability, asking is -32021.
    const missing = await wire.call('tools/call', { name: 'greet', _meta: modernMeta() });
    expect(missing.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { elicitation: { form: {} } } },
    });
  });
});
