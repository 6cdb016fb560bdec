/**
 * A local LLM endpoint on 127.0.0.1 speaking both APIs' request and response
 * shapes: POST /v1/chat/completions (OpenAI) and POST /v1/messages
 * (Anthropic). It checks every request it gets (a malformed one is answered
 * 400 and recorded as a violation), answers each item of a batched request by
 * a deterministic function of its input, reports usage counted with
 * gpt-tokenizer, and can be told to misbehave request by request: error
 * statuses with Retry-After, dropped connections, slow answers, answers with
 * ids missing, duplicated or malformed, text that is not JSON.
 *
 * It is what the tests and examples/llm-batching run against when no real
 * endpoint is configured. It is not a model: its answers are a function of
 * the input, so a test can tell which item an answer belongs to.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ITEMS_HEADER, type ChatMessage, type ToolDefinition } from './request';
import { countRequest, countText } from './tokenizer';

export interface LocalRequest {
  /** Order of arrival, from 0. */
  index: number;
  api: 'openai' | 'anthropic';
  model: string;
  system: string;
  messages: ChatMessage[];
  tools: ToolDefinition[];
  /** The items of a batched request; null for a request about one input. */
  items: { id: string; input: string }[] | null;
  headers: IncomingMessage['headers'];
  /** Set when the client closed the connection before its (delayed) answer: its abort reached the request. */
  abandoned?: boolean;
}

/** How to answer one request instead of normally. */
export type LocalFault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number }
  /** Answer text built from the normal answers by id (omit, duplicate or spoil ids; break the JSON). */
  | { kind: 'text'; text: (answers: Record<string, unknown>) => string }
  /** A 200 whose body is not JSON at all. */
  | { kind: 'body'; body: string };

export interface LocalLlmServerOptions {
  /** One input's answer (default: `answer:` and 8 hex digits of the input's SHA-1). */
  answer?: (input: string, request: LocalRequest) => unknown;
  /** Asked for every valid request; return a fault to misbehave on it. */
  fault?: (request: LocalRequest) => LocalFault | undefined;
}

export interface LocalLlmServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The base URL for openAiProvider / OPENAI_BASE_URL. */
  readonly openAiBaseUrl: string;
  /** The base URL for anthropicProvider / ANTHROPIC_BASE_URL. */
  readonly anthropicBaseUrl: string;
  /** Every valid request, in order. */
  readonly requests: LocalRequest[];
  /** What was wrong with each malformed request. */
  readonly violations: string[];
  close(): Promise<void>;
}

/** The default answer: a function of the input alone, so a test can check whose answer it is. */
export function localAnswer(input: string): string {
  return `answer:${createHash('sha1').update(input).digest('hex').slice(0, 8)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const isString = (v: unknown): v is string => typeof v === 'string';
/** `v?.[key]` of a decoded JSON value, typed as what it is: unknown. */
const field = (v: unknown, key: string): unknown => (v as Record<string, unknown> | null | undefined)?.[key];

function content(value: unknown): string | undefined {
  if (isString(value)) return value;
  // Anthropic also takes content as blocks.
  if (Array.isArray(value) && value.every((b: unknown) => field(b, 'type') === 'text' && isString(field(b, 'text'))))
    return value.map((b: { text: string }) => b.text).join('');
  return undefined;
}

/** Checks a request body; returns what is wrong, or the request. */
function parseRequest(
  api: LocalRequest['api'],
  body: unknown,
  headers: IncomingMessage['headers'],
  index: number,
): LocalRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (!isString(b.model) || b.model.length === 0) return 'model missing';
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1)
    return 'max_tokens missing or not a positive integer';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages missing or empty';
  let system = '';
  const messages: ChatMessage[] = [];
  for (const [i, m] of (b.messages as unknown[]).entries()) {
    const message = m as { role?: unknown; content?: unknown };
    const text = content(message?.content);
    if (text === undefined) return `messages[${i}].content is not text`;
    if (api === 'openai' && message.role === 'system' && i === 0) {
      system = text;
      continue;
    }
    if (message.role !== 'user' && message.role !== 'assistant')
      return `messages[${i}].role is ${String(message.role)}`;
    messages.push({ role: message.role, content: text });
  }
  if (messages.length === 0 || messages[messages.length - 1]!.role !== 'user')
    return "the last message is not the user's";
  let tools: ToolDefinition[] = [];
  if (api === 'anthropic') {
    if (b.system !== undefined) {
      const s = content(b.system);
      if (s === undefined) return 'system is not text';
      system = s;
    }
    if (!isString(headers['anthropic-version'])) return 'anthropic-version header missing';
    if (b.tools !== undefined) {
      if (
        !Array.isArray(b.tools) ||
        !b.tools.every((t: unknown) => isString(field(t, 'name')) && typeof field(t, 'input_schema') === 'object')
      )
        return 'tools are not { name, input_schema }';
      tools = (b.tools as { name: string; description?: string; input_schema: ToolDefinition['parameters'] }[]).map(
        (t) => ({ name: t.name, description: t.description, parameters: t.input_schema }),
      );
    }
  } else if (b.tools !== undefined) {
    if (
      !Array.isArray(b.tools) ||
      !b.tools.every((t: unknown) => field(t, 'type') === 'function' && isString(field(field(t, 'function'), 'name')))
    )
      return 'tools are not { type: function, function: { name } }';
    tools = (b.tools as { function: ToolDefinition }[]).map((t) => t.function);
  }
  const last = messages[messages.length - 1]!.content;
  let items: LocalRequest['items'] = null;
  const at = last.indexOf(ITEMS_HEADER);
  if (at >= 0) {
    items = [];
    for (const line of last.slice(at + ITEMS_HEADER.length).split('\n')) {
      if (line.trim() === '') continue;
      let item: unknown;
      try {
        item = JSON.parse(line);
      } catch {
        return `an item line is not JSON: ${line.slice(0, 60)}`;
      }
      const { id, input } = item as { id?: unknown; input?: unknown };
      if (!isString(id) || !isString(input)) return 'an item is not { id: string, input: string }';
      if (items.some((x) => x.id === id)) return `item id ${id} appears twice in the request`;
      items.push({ id, input });
    }
    if (items.length === 0) return 'the item list is empty';
  }
  return { index, api, model: b.model, system, messages, tools, items, headers };
}

function reply(res: ServerResponse, request: LocalRequest, text: string): void {
  const input = countRequest(
    { system: request.system, messages: request.messages, tools: request.tools },
    'o200k_base',
  );
  const output = countText(text, 'o200k_base');
  const body =
    request.api === 'openai'
      ? {
          id: `chatcmpl-local-${request.index}`,
          object: 'chat.completion',
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
        }
      : {
          id: `msg_local_${request.index}`,
          type: 'message',
          role: 'assistant',
          model: request.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          usage: { input_tokens: input, output_tokens: output },
        };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startLocalLlmServer(options: LocalLlmServerOptions = {}): Promise<LocalLlmServer> {
  const answer = options.answer ?? ((input: string) => localAnswer(input));
  const requests: LocalRequest[] = [];
  const violations: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const api = req.url === '/v1/chat/completions' ? 'openai' : req.url === '/v1/messages' ? 'anthropic' : undefined;
      const raw = await readBody(req);
      const refuse = (why: string) => {
        violations.push(`${req.method} ${req.url}: ${why}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: why } }));
      };
      if (req.method !== 'POST' || api === undefined)
        return refuse('not a POST to /v1/chat/completions or /v1/messages');
      if (!String(req.headers['content-type']).startsWith('application/json'))
        return refuse('content-type is not application/json');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse('body is not JSON');
      }
      const request = parseRequest(api, body, req.headers, requests.length);
      if (typeof request === 'string') return refuse(request);
      requests.push(request);
      const fault = options.fault?.(request);
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        return void res
          .writeHead(fault.status, headers)
          .end(JSON.stringify({ error: { message: `local fault ${fault.status}` } }));
      }
      if (fault?.kind === 'body')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(fault.body);
      if (fault?.kind === 'delay') {
        // A client that gives up closes the connection: stop waiting then, so nothing outlives it.
        const gone = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), fault.ms);
          res.once('close', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (gone) {
          request.abandoned = true;
          return;
        }
      }
      if (request.items === null) {
        const one = answer(request.messages[request.messages.length - 1]!.content, request);
        return reply(res, request, typeof one === 'string' ? one : JSON.stringify(one));
      }
      const answers = Object.fromEntries(request.items.map((item) => [item.id, answer(item.input, request)]));
      reply(res, request, fault?.kind === 'text' ? fault.text(answers) : JSON.stringify(answers));
    })().catch((error: unknown) => {
      violations.push(`server error: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openAiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
