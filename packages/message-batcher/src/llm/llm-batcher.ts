/**
 * llmBatcher: batch prompting on a Batcher. The sink packs one batch (one
 * group) into one request, reads the JSON object keyed by id that comes back,
 * and sends the ids whose answer was missing, duplicated or malformed again:
 * first together (a smaller batch), then each alone, before giving up on them
 * with an LlmAnswerError. Each item is looked up by its own id in the answer
 * to the request that carried it, so it never gets another item's answer.
 *
 * Token accounting, per batch: the N requests one by one are built and
 * counted; every request really sent is counted; answers are counted as the
 * batched text received and as each item's answer alone; the provider's own
 * usage is kept beside ours.
 */
import type { ChildSpec, Pid } from '@erlmcp/otp';
import { Batcher, type AddOptions } from '../batcher';
import type { Efficiency } from '../efficiency';
import { BatcherArgError, LlmAnswerError, LlmHttpError, LlmResponseError } from '../errors';
import type { BatcherOptions, GroupKey, SinkContext } from '../options';
import { readAnswers } from './answer';
import { anthropicProvider, openAiProvider, type HttpProviderOptions, type LlmProvider } from './providers';
import { batchedRequest, individualRequest, type LlmInstructions } from './request';
import { checkEncoding, countRequest, countText, type Encoding } from './tokenizer';

export interface LlmBatcherOptions<A> extends Omit<
  BatcherOptions<string, A>,
  'sink' | 'idOf' | 'groupBy' | 'sizeOf' | 'tokensOf'
> {
  /** 'openai' (Chat Completions), 'anthropic' (Messages), or your own provider. */
  provider: LlmProvider | 'openai' | 'anthropic';
  /** Base URL, key and retry policy for 'openai' or 'anthropic' (default: from the environment). */
  providerOptions?: HttpProviderOptions;
  model: string;
  /** What every request shares; a function gives each group its own. */
  instructions: LlmInstructions | string | ((group: GroupKey) => LlmInstructions | string);
  /** Semantic batching: inputs of different groups never share a request. */
  groupBy?: (input: string) => GroupKey;
  /** Checks one item's answer and returns it typed; a throw marks it malformed (and it is sent again). */
  validate?: (answer: unknown) => A;
  /** Tokenizer for the accounting and `maxTokens` (default o200k_base). */
  encoding?: Encoding;
  /** max_tokens of each request (default 4096). */
  maxOutputTokens?: number;
  /** Rounds of re-sending ids without a valid answer (default 2: together, then each alone). */
  maxResends?: number;
}

interface Pending {
  pos: number;
  id: string;
  input: string;
}

function render(answer: unknown): string {
  return typeof answer === 'string' ? answer : JSON.stringify(answer);
}

const anyAnswer = (answer: unknown): unknown => {
  if (answer === undefined) throw new Error('no value');
  return answer;
};

function checkInstructions(value: LlmInstructions | string, where: string): LlmInstructions {
  if (typeof value === 'string') return { system: value };
  if (value === null || typeof value !== 'object' || typeof value.system !== 'string')
    throw new BatcherArgError(`${where} must be a string or { system: string, ... }`);
  if (value.tools !== undefined && !Array.isArray(value.tools))
    throw new BatcherArgError(`${where}.tools must be an array`);
  if (value.examples !== undefined && !Array.isArray(value.examples))
    throw new BatcherArgError(`${where}.examples must be an array`);
  return value;
}

export class LlmBatcher<A = unknown> {
  /** The Batcher underneath: its process, supervisor and efficiency are this one's. */
  readonly batcher: Batcher<string, A>;
  private readonly provider: LlmProvider;
  private readonly model: string;
  private readonly instructionsFor: (group: GroupKey) => LlmInstructions;
  private readonly validate: (answer: unknown) => A;
  private readonly encoding: Encoding;
  private readonly maxOutputTokens: number;
  private readonly maxResends: number;

  constructor(options: LlmBatcherOptions<A>) {
    if (options === null || typeof options !== 'object')
      throw new BatcherArgError('llmBatcher options must be an object');
    const {
      provider,
      providerOptions,
      model,
      instructions,
      groupBy,
      validate,
      encoding,
      maxOutputTokens,
      maxResends,
      ...rest
    } = options;
    /* eslint-disable @typescript-eslint/no-base-to-string -- a bad value, shown in the message as String() shows it */
    if (provider === 'openai') this.provider = openAiProvider(providerOptions);
    else if (provider === 'anthropic') this.provider = anthropicProvider(providerOptions);
    else if (provider !== null && typeof provider === 'object' && typeof provider.complete === 'function')
      this.provider = provider;
    else
      throw new BatcherArgError(
        `provider must be 'openai', 'anthropic' or an object with complete(), got ${String(provider)}`,
      );
    /* eslint-enable @typescript-eslint/no-base-to-string */
    if (typeof model !== 'string' || model.length === 0) throw new BatcherArgError('model must be a non-empty string');
    this.model = model;
    if (typeof instructions === 'function') {
      this.instructionsFor = (group) => checkInstructions(instructions(group), `instructions(${String(group)})`);
    } else {
      const fixed = checkInstructions(instructions, 'instructions');
      this.instructionsFor = () => fixed;
    }
    if (validate !== undefined && typeof validate !== 'function')
      throw new BatcherArgError('validate must be a function');
    this.validate = (validate ?? anyAnswer) as (answer: unknown) => A;
    this.encoding = checkEncoding(encoding ?? 'o200k_base');
    this.maxOutputTokens = maxOutputTokens ?? 4096;
    if (!Number.isInteger(this.maxOutputTokens) || this.maxOutputTokens < 1)
      throw new BatcherArgError(`maxOutputTokens must be a positive integer, got ${String(maxOutputTokens)}`);
    this.maxResends = maxResends ?? 2;
    if (!Number.isInteger(this.maxResends) || this.maxResends < 0)
      throw new BatcherArgError(`maxResends must be an integer >= 0, got ${String(maxResends)}`);
    const encodingName = this.encoding;
    this.batcher = Batcher.create<string, A>({
      sinkTimeoutMs: 120_000,
      ...rest,
      ...(groupBy === undefined ? {} : { groupBy }),
      tokensOf: (input) => countText(input, encodingName),
      sink: (inputs, ctx) => this.sink(inputs, ctx),
    });
  }

  /** Asks for `input`'s answer; resolves with this input's own answer. */
  add(input: string, options?: AddOptions): Promise<A> {
    if (typeof input !== 'string')
      return Promise.reject(
        new BatcherArgError(`an LLM input must be a string, got ${input === null ? 'null' : typeof input}`),
      );
    return this.batcher.add(input, options);
  }

  start(): Promise<Pid> {
    return this.batcher.start();
  }

  childSpec(id?: string): ChildSpec {
    return this.batcher.childSpec(id);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  stop(): Promise<void> {
    return this.batcher.stop();
  }

  efficiency(): Efficiency {
    return this.batcher.efficiency();
  }

  private async sink(inputs: string[], ctx: SinkContext): Promise<(A | Error)[]> {
    const instructions = this.instructionsFor(ctx.group);
    const enc = this.encoding;
    let individualInput = 0;
    for (const input of inputs) individualInput += countRequest(individualRequest(instructions, input), enc);
    const usage = {
      individualInput,
      batchedInput: 0,
      individualOutput: 0,
      batchedOutput: 0,
      providerInput: 0,
      providerOutput: 0,
    };
    const results: (A | Error | undefined)[] = new Array<A | Error | undefined>(inputs.length);
    const problems: string[] = new Array<string>(inputs.length);
    let pending: Pending[] = inputs.map((input, pos) => ({ pos, id: String(pos + 1), input }));
    let round = 0;
    try {
      while (pending.length > 0 && round <= this.maxResends) {
        round++;
        // Round 1 sends the batch; round 2 the ids left, together; later rounds each alone.
        const requests = round <= 2 ? [pending] : pending.map((p) => [p]);
        const outcomes = await Promise.all(requests.map((group) => this.send(instructions, group, ctx, usage)));
        pending = [];
        for (let r = 0; r < requests.length; r++) {
          const outcome = outcomes[r]!;
          for (const p of requests[r]!) {
            if (outcome instanceof Error) {
              results[p.pos] = outcome; // an HTTP failure that its retries did not cure
              continue;
            }
            const answer =
              outcome instanceof Map ? outcome.get(p.id)! : { ok: false as const, problem: outcome.problem };
            if (answer.ok) {
              results[p.pos] = answer.value;
              usage.individualOutput += countText(render(answer.value), enc);
            } else {
              problems[p.pos] = answer.problem;
              pending.push(p);
            }
          }
        }
      }
    } finally {
      ctx.recordTokens(usage);
    }
    for (const p of pending) results[p.pos] = new LlmAnswerError(round, problems[p.pos]!);
    return results as (A | Error)[];
  }

  /** One request for `group`: its answers by id, the problem shared by all of them, or the HTTP error. */
  private async send(
    instructions: LlmInstructions,
    group: Pending[],
    ctx: SinkContext,
    usage: { batchedInput: number; batchedOutput: number; providerInput: number; providerOutput: number },
  ): Promise<ReturnType<typeof readAnswers<A>> | { problem: string } | LlmHttpError> {
    const request = batchedRequest(
      instructions,
      group.map((p) => ({ id: p.id, input: p.input })),
    );
    usage.batchedInput += countRequest(request, this.encoding);
    let text: string;
    try {
      const completion = await this.provider.complete(request, {
        model: this.model,
        maxOutputTokens: this.maxOutputTokens,
        signal: ctx.signal,
      });
      text = completion.text;
      if (completion.usage !== undefined) {
        usage.providerInput += completion.usage.input;
        usage.providerOutput += completion.usage.output;
      }
    } catch (error) {
      if (error instanceof LlmHttpError) return error;
      if (error instanceof LlmResponseError) return { problem: error.message };
      throw error; // an abort, or the provider's own bug: the batch fails with it
    }
    usage.batchedOutput += countText(text, this.encoding);
    try {
      return readAnswers(
        text,
        group.map((p) => p.id),
        this.validate,
      );
    } catch (error) {
      if (error instanceof LlmResponseError) return { problem: error.message };
      throw error;
    }
  }
}

/** A batcher for LLM calls: see LlmBatcher. Start it with `start()` or put `childSpec()` in a tree. */
export function llmBatcher<A = unknown>(options: LlmBatcherOptions<A>): LlmBatcher<A> {
  return new LlmBatcher<A>(options);
}
