/**
 * Token counts with gpt-tokenizer. A chat request is counted as OpenAI bills
 * it (message overhead, function definitions rendered as the API renders
 * them), by `countChatCompletionTokens` of the model module of the encoding:
 * gpt-4o for o200k_base, gpt-4-turbo for cl100k_base.
 */
import type { ChatCompletionRequest } from 'gpt-tokenizer/functionCalling';
import { BatcherArgError } from '../errors';
import type { ChatRequest } from './request';

export type Encoding = 'o200k_base' | 'cl100k_base';

interface Counter {
  countTokens(text: string): number;
  countChatCompletionTokens?: (request: ChatCompletionRequest) => number;
}

const loaded = new Map<Encoding, Counter>();

function counter(encoding: Encoding): Counter {
  let c = loaded.get(encoding);
  if (c === undefined) {
    if (encoding === 'o200k_base') c = require('gpt-tokenizer/model/gpt-4o') as Counter;
    else if (encoding === 'cl100k_base') c = require('gpt-tokenizer/model/gpt-4-turbo') as Counter;
    else throw new BatcherArgError(`encoding must be o200k_base or cl100k_base, got ${String(encoding)}`);
    loaded.set(encoding, c);
  }
  return c;
}

export function checkEncoding(encoding: unknown): Encoding {
  if (encoding !== 'o200k_base' && encoding !== 'cl100k_base')
    throw new BatcherArgError(`encoding must be o200k_base or cl100k_base, got ${String(encoding)}`);
  return encoding;
}

export function countText(text: string, encoding: Encoding): number {
  return counter(encoding).countTokens(text);
}

/** The input tokens of a request as built: system prompt, messages and tool definitions. */
export function countRequest(request: ChatRequest, encoding: Encoding): number {
  const messages = [{ role: 'system', content: request.system }, ...request.messages];
  return counter(encoding).countChatCompletionTokens!({
    messages,
    ...(request.tools.length === 0 ? {} : { functions: request.tools as ChatCompletionRequest['functions'] }),
  });
}
