import { llmBatcher } from '@erlmcp/message-batcher';

export const triage = llmBatcher<{ category: string }>({
  provider: 'openai', // base URL and key from OPENAI_BASE_URL / OPENAI_API_KEY; or 'anthropic', or your own
  model: 'gpt-4o-mini',
  instructions: { system: 'You triage support tickets.', answer: 'a JSON object {"category": string}' },
  validate: (answer) => {
    const category = (answer as { category?: unknown } | null)?.category;
    if (typeof category !== 'string') throw new Error('no category'); // asked for again
    return { category };
  },
  maxItems: 20,
});
// await triage.start(); then each caller: const { category } = await triage.add(ticketText);
