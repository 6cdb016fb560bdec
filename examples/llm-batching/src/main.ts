/**
 * Classifies support tickets through llmBatcher and prints each answer and the
 * token savings measured on the requests really sent.
 *
 *   OPENAI_BASE_URL, OPENAI_API_KEY  an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp)
 *   LLM_MODEL                        the model (default gpt-4o-mini)
 *   LLM_INPUTS                       how many tickets (default 24)
 *
 * Without OPENAI_BASE_URL it starts the local test server of @erlmcp/message-batcher,
 * answering with keyword rules, and says so.
 */
import { Node } from '@erlmcp/otp';
import { corpus, startLocalLlmServer, type LocalLlmServer } from '@erlmcp/message-batcher';
import { startLlmBatching } from './app';
import { keywordTriage } from './triage';

async function main(): Promise<void> {
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  let local: LocalLlmServer | undefined;
  let baseUrl = process.env.OPENAI_BASE_URL;
  if (baseUrl === undefined || baseUrl === '') {
    local = await startLocalLlmServer({ answer: keywordTriage });
    baseUrl = local.openAiBaseUrl;
    console.log(
      `No OPENAI_BASE_URL set: using the local test server at ${baseUrl} (it answers with keyword rules, not a model).`,
    );
  } else console.log(`Endpoint: ${baseUrl}`);
  const count = Number(process.env.LLM_INPUTS ?? 24);
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`LLM_INPUTS must be a positive integer, got ${process.env.LLM_INPUTS}`);
  const model = process.env.LLM_MODEL ?? 'gpt-4o-mini';
  const app = await startLlmBatching({ baseUrl, apiKey: process.env.OPENAI_API_KEY, model });
  try {
    const tickets = corpus.find((task) => task.name === 'classification')!.items(count);
    const results = await Promise.allSettled(tickets.map((ticket) => app.classifier.add(ticket)));
    results.forEach((result, i) => {
      const subject = tickets[i]!.split('\n')[0]!.replace(/^Subject: /, '');
      const answer =
        result.status === 'fulfilled'
          ? `${result.value.category} ${result.value.priority}`
          : `error: ${(result.reason as Error).message}`;
      console.log(`${String(i + 1).padStart(3)}. ${subject.padEnd(28)} -> ${answer}`);
    });
    const e = app.classifier.efficiency();
    const t = e.tokens!;
    console.log(
      `\n${e.items} tickets in ${e.batches} batches (mean ${e.meanBatchSize.toFixed(1)} per request), model ${model}.`,
    );
    console.log(
      `Input tokens: ${t.batchedInput} sent batched, ${t.individualInput} one request per ticket: ${(t.inputSavings * 100).toFixed(1)}% input tokens saved.`,
    );
    console.log(
      `Output tokens: ${t.batchedOutput} batched, ${t.individualOutput} as separate answers (our count; the endpoint reported ${t.providerInput} in, ${t.providerOutput} out).`,
    );
  } finally {
    await app.stop();
    await local?.close();
    await node.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
