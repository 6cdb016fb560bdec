/**
 * Providers: the OpenAI-compatible Chat Completions API (also what Ollama,
 * vLLM and llama.cpp's server speak) and the Anthropic Messages API. A
 * provider turns a ChatRequest into its body, posts it, and reads back the
 * answer text and the usage it reports. Base URL and key come from the
 * options, else from OPENAI_BASE_URL / OPENAI_API_KEY or ANTHROPIC_BASE_URL /
 * ANTHROPIC_API_KEY.
 */
import { BatcherArgError, LlmResponseError } from '../errors';
import { DEFAULT_RETRY, postJson, type RetryPolicy } from './http';
import type { ChatRequest } from './request';

export interface Completion {
  text: string;
  /** What the provider reported, when it did. */
  usage?: { input: number; output: number };
}

export interface CompleteOptions {
  model: string;
  maxOutputTokens: number;
  signal?: AbortSignal;
}

/** Anything that completes a chat request: the two below, or your own. */
export interface LlmProvider {
  readonly name: string;
  complete(request: ChatRequest, options: CompleteOptions): Promise<Completion>;
}

export interface HttpProviderOptions {
  baseUrl?: string;
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
}

function policy(options: HttpProviderOptions): RetryPolicy {
  return { ...DEFAULT_RETRY, ...options.retry };
}

function baseUrl(given: string | undefined, env: string, fallback: string): string {
  const url = given ?? process.env[env] ?? fallback;
  try {
    return new URL(url).toString().replace(/\/+$/, '');
  } catch {
    throw new BatcherArgError(`${given === undefined ? env : 'baseUrl'} is not a URL: ${url}`);
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** OpenAI-compatible Chat Completions: POST {baseUrl}/chat/completions. */
export function openAiProvider(options: HttpProviderOptions = {}): LlmProvider {
  const root = baseUrl(options.baseUrl, 'OPENAI_BASE_URL', 'https://api.openai.com/v1');
  const key = options.apiKey ?? process.env.OPENAI_API_KEY;
  const retry = policy(options);
  const url = `${root}/chat/completions`;
  return {
    name: 'openai',
    async complete(request, { model, maxOutputTokens, signal }) {
      const body = {
        model,
        max_tokens: maxOutputTokens,
        messages: [{ role: 'system', content: request.system }, ...request.messages],
        ...(request.tools.length === 0
          ? {}
          : { tools: request.tools.map((fn) => ({ type: 'function', function: fn })), tool_choice: 'none' }),
      };
      const response = (await postJson(
        url,
        key === undefined ? {} : { authorization: `Bearer ${key}` },
        body,
        retry,
        signal,
      )) as {
        choices?: { message?: { content?: unknown } }[];
        usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
      };
      const text = response?.choices?.[0]?.message?.content;
      if (typeof text !== 'string')
        throw new LlmResponseError(`${url}: no choices[0].message.content string in the response`);
      const input = num(response.usage?.prompt_tokens);
      const output = num(response.usage?.completion_tokens);
      return { text, ...(input === undefined || output === undefined ? {} : { usage: { input, output } }) };
    },
  };
}

/** Anthropic Messages: POST {baseUrl}/v1/messages. */
export function anthropicProvider(options: HttpProviderOptions = {}): LlmProvider {
  const root = baseUrl(options.baseUrl, 'ANTHROPIC_BASE_URL', 'https://api.anthropic.com');
  const key = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  const retry = policy(options);
  const url = `${root}/v1/messages`;
  return {
    name: 'anthropic',
    async complete(request, { model, maxOutputTokens, signal }) {
      const body = {
        model,
        max_tokens: maxOutputTokens,
        system: request.system,
        messages: request.messages,
        ...(request.tools.length === 0
          ? {}
          : {
              tools: request.tools.map((t) => ({
                name: t.name,
                description: t.description,
                input_schema: t.parameters ?? { type: 'object', properties: {} },
              })),
              tool_choice: { type: 'none' },
            }),
      };
      const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
      if (key !== undefined) headers['x-api-key'] = key;
      const response = (await postJson(url, headers, body, retry, signal)) as {
        content?: { type?: unknown; text?: unknown }[];
        usage?: { input_tokens?: unknown; output_tokens?: unknown };
      };
      if (!Array.isArray(response?.content)) throw new LlmResponseError(`${url}: no content array in the response`);
      const text = response.content
        .filter((b) => b?.type === 'text' && typeof b.text === 'string')
        .map((b) => b.text as string)
        .join('');
      const input = num(response.usage?.input_tokens);
      const output = num(response.usage?.output_tokens);
      return { text, ...(input === undefined || output === undefined ? {} : { usage: { input, output } }) };
    },
  };
}
