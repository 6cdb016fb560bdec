/**
 * token_savings_N: the corpus's three tasks (classification, extraction,
 * summarization), N items each, sent to a local endpoint that speaks the
 * Chat Completions API. Ours: through llmBatcher with batches of N (one
 * request per task). Peer: one request per item, really sent. Both count the
 * input tokens of every request they sent with gpt-tokenizer (o200k_base),
 * on the request as built; the value is input tokens per item.
 */
import { Node } from '@erlmcp/otp';
import {
  corpus,
  countRequest,
  individualRequest,
  llmBatcher,
  openAiProvider,
  startLocalLlmServer,
  type LocalLlmServer,
} from '@erlmcp/message-batcher';
import type { Measurement } from '../../harness/types';

/** What erlmcp v3 claimed, by batch size (a formula there, quoted here beside the measurement). */
export const CLAIMED: Record<number, number> = { 10: 0.4, 100: 0.75, 1000: 0.85 };

async function withServer<T>(fn: (server: LocalLlmServer) => Promise<T>): Promise<T> {
  const server = await startLocalLlmServer();
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

function inputs(n: number): { task: (typeof corpus)[number]; input: string }[] {
  return corpus.flatMap((task) => task.items(n).map((input) => ({ task, input })));
}

export function ours(n: number): Promise<Measurement> {
  return withServer(async (server) => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    try {
      const all = inputs(n);
      const taskOf = new Map(all.map(({ task, input }) => [input, task.name]));
      const llm = llmBatcher<unknown>({
        provider: 'openai',
        providerOptions: { baseUrl: server.openAiBaseUrl },
        model: 'local',
        instructions: (group) => corpus.find((t) => t.name === group)!.instructions,
        groupBy: (input) => taskOf.get(input),
        maxItems: n,
        maxDelayMs: 10_000,
        maxOutputTokens: 16_384,
      });
      const byTask: Record<string, number> = {};
      node.events.on('batcher:batch', (e) => {
        if (e.tokens !== undefined)
          byTask[String(e.group)] = (byTask[String(e.group)] ?? 0) + e.tokens.batchedInput / n;
      });
      await llm.start();
      await Promise.all(all.map(({ input }) => llm.add(input)));
      const tokens = llm.efficiency().tokens!;
      await llm.stop();
      if (server.violations.length > 0) throw new Error(`the local endpoint refused requests: ${server.violations[0]}`);
      return { value: tokens.batchedInput / all.length, detail: byTask };
    } finally {
      await node.stop();
    }
  });
}

export function peer(n: number): Promise<Measurement> {
  return withServer(async (server) => {
    const provider = openAiProvider({ baseUrl: server.openAiBaseUrl });
    const all = inputs(n);
    let tokens = 0;
    const byTask: Record<string, number> = {};
    let next = 0;
    // One request per item, 16 at a time.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < all.length) {
          const { task, input } = all[next++]!;
          const request = individualRequest(task.instructions, input);
          const counted = countRequest(request, 'o200k_base');
          tokens += counted;
          byTask[task.name] = (byTask[task.name] ?? 0) + counted / n;
          await provider.complete(request, { model: 'local', maxOutputTokens: 1024 });
        }
      }),
    );
    if (server.violations.length > 0) throw new Error(`the local endpoint refused requests: ${server.violations[0]}`);
    return { value: tokens / all.length, detail: byTask };
  });
}

const percent = (saved: number) => `${(saved * 100).toFixed(1)}%`;

/** Savings overall and per task (1 - batched / individual), beside erlmcp's claim. */
export function note(
  n: number,
): (ours: number, peer: number, oursDetail: Record<string, number>, peerDetail: Record<string, number>) => string {
  return (o, p, od, pd) => {
    const tasks = corpus.map((t) => `${t.name} ${percent(1 - (od[t.name] ?? NaN) / (pd[t.name] ?? NaN))}`).join(', ');
    return `${percent(1 - o / p)} of input tokens saved at batch size ${n} (${tasks}); erlmcp v3 claimed ${CLAIMED[n]! * 100}%`;
  };
}
