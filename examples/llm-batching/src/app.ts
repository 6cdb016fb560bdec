import { Application, Supervisor, type RunningApplication } from '@erlmcp/otp';
import { corpus, llmBatcher, type LlmBatcher } from '@erlmcp/message-batcher';
import { validateTriage, type Triage } from './triage';

export interface LlmBatchingOptions {
  /** An OpenAI-compatible endpoint (default: OPENAI_BASE_URL). */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  /** Tickets per request (default 20). */
  batchSize?: number;
}

export interface LlmBatchingApp {
  app: RunningApplication;
  classifier: LlmBatcher<Triage>;
  stop(): Promise<void>;
}

/**
 * The app as a supervision tree:
 *
 *   llm-batching (one_for_one)
 *   └── classifier   the llmBatcher's supervisor
 *       └── batcher  the batcher process (a GenServer): gathers tickets, one request per batch
 *
 * A crash of the batcher fails the tickets it held (each caller gets a typed error) and its
 * supervisor restarts it; the tickets added after that are batched as before.
 */
export async function startLlmBatching(options: LlmBatchingOptions): Promise<LlmBatchingApp> {
  const classification = corpus.find((task) => task.name === 'classification')!;
  const classifier = llmBatcher<Triage>({
    name: 'ticket_classifier',
    provider: 'openai',
    providerOptions: { baseUrl: options.baseUrl, apiKey: options.apiKey },
    model: options.model,
    instructions: classification.instructions,
    validate: validateTriage,
    maxItems: options.batchSize ?? 20,
    maxDelayMs: 50,
    maxInFlight: 4,
  });
  const app = await Application.start({
    name: 'llm-batching',
    supervisor: () =>
      Supervisor.start({
        strategy: 'one_for_one',
        intensity: 3,
        period: 5,
        children: [classifier.childSpec('classifier')],
      }),
  });
  return {
    app,
    classifier,
    stop: async () => {
      await classifier.stop();
      await app.stop();
    },
  };
}
