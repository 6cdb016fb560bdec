/**
 * The two shapes of request batch prompting compares (Cheng, Kasai, Yu, EMNLP
 * 2023): one request per item, and one request for N items that carries the
 * shared part (system prompt, tool definitions, few-shot examples) once, the
 * items numbered with ids, and asks for one JSON object keyed by id.
 *
 * Both are built for real: the individual ones are what a caller without a
 * batcher would send, and token savings are counted on these built requests.
 */
export interface JsonSchemaProperty {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object';
  description?: string;
  enum?: (string | number)[];
  items?: JsonSchemaProperty;
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
  minimum?: number;
  maximum?: number;
}

/** A tool (function) definition, as both APIs take it. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: JsonSchemaProperty & { type: 'object' };
}

/** A few-shot example: an input and the answer wanted for it. */
export interface Example {
  input: string;
  output: unknown;
}

/** What every request of a group shares. */
export interface LlmInstructions {
  /** The task: the system prompt. */
  system: string;
  /** Tool definitions the task carries (sent with every request, as an agent's would be). */
  tools?: ToolDefinition[];
  examples?: Example[];
  /** What one item's answer is, in words: `one of "bug", "billing"`, `a JSON object {"total": number}`. */
  answer?: string;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** A provider-neutral chat request; providers turn it into their body. */
export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools: ToolDefinition[];
}

/** Marks the item list in a batched request (the local test server finds items by it). */
export const ITEMS_HEADER = 'Items (one JSON object per line):';

function render(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}

function answerNote(instructions: LlmInstructions): string {
  return instructions.answer === undefined ? '' : `\n\nAnswer with ${instructions.answer}.`;
}

/** The request a caller would send for one item on its own. */
export function individualRequest(instructions: LlmInstructions, input: string): ChatRequest {
  const messages: ChatMessage[] = [];
  for (const example of instructions.examples ?? []) {
    messages.push({ role: 'user', content: example.input }, { role: 'assistant', content: render(example.output) });
  }
  messages.push({ role: 'user', content: input });
  return { system: instructions.system + answerNote(instructions), messages, tools: instructions.tools ?? [] };
}

function itemLines(items: readonly { id: string; input: string }[]): string {
  return `${ITEMS_HEADER}\n${items.map((item) => JSON.stringify({ id: item.id, input: item.input })).join('\n')}`;
}

/** One request for every item: shared parts once, items numbered, one JSON object keyed by id asked for. */
export function batchedRequest(
  instructions: LlmInstructions,
  items: readonly { id: string; input: string }[],
): ChatRequest {
  const each =
    instructions.answer === undefined ? "that item's answer" : `that item's answer, which is ${instructions.answer}`;
  const system =
    `${instructions.system}\n\n` +
    'You receive several items at once, each with an id. Handle each item on its own, exactly as if it were the only one. ' +
    `Reply with one JSON object and nothing else: its keys are the items' ids (strings), each mapped to ${each}. ` +
    'Give every id exactly once.';
  const messages: ChatMessage[] = [];
  const examples = instructions.examples ?? [];
  if (examples.length > 0) {
    const shown = examples.map((e, i) => ({ id: `x${i + 1}`, input: e.input }));
    messages.push({ role: 'user', content: itemLines(shown) });
    messages.push({
      role: 'assistant',
      content: JSON.stringify(Object.fromEntries(examples.map((e, i) => [`x${i + 1}`, e.output]))),
    });
  }
  messages.push({ role: 'user', content: itemLines(items) });
  return { system, messages, tools: instructions.tools ?? [] };
}
