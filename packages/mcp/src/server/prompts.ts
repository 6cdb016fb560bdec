import type { InputRequiredResult } from '../types/input-requests';
import { asksForInput } from './modern';
import { isPlainObject } from '../jsonrpc/codec';
import { InternalError, InvalidParamsError } from '../jsonrpc/errors';
import { DefinitionError } from '../protocol/errors';
import type { Completion } from '../types/completion';
import type { GetPromptResult, Prompt, PromptMessage } from '../types/prompts';
import { type Completer, type CompletionContext, normalizeCompletion } from './completion';
import type { RequestContext } from './context';

export type PromptArguments = { [name: string]: string };

/** Messages, or (for a 2026-07-28 request) `ctx.inputRequired(...)` to ask the client first. */
export type PromptHandlerResult = GetPromptResult | PromptMessage[] | InputRequiredResult;

export interface PromptDefinition extends Prompt {
  /** Required arguments are checked before the handler runs. */
  handler(args: PromptArguments, ctx: RequestContext): PromptHandlerResult | Promise<PromptHandlerResult>;
  /** Completers for arguments, by argument name. */
  complete?: { [argument: string]: Completer };
}

export class PromptRegistry {
  private readonly prompts = new Map<string, { definition: PromptDefinition; descriptor: Prompt }>();

  get size(): number {
    return this.prompts.size;
  }

  get hasCompleters(): boolean {
    return [...this.prompts.values()].some(({ definition }) => definition.complete !== undefined);
  }

  add(definition: PromptDefinition): void {
    if (this.prompts.has(definition.name)) throw new DefinitionError(`Prompt ${definition.name} is already defined`);
    const descriptor: Prompt = { name: definition.name };
    if (definition.title !== undefined) descriptor.title = definition.title;
    if (definition.description !== undefined) descriptor.description = definition.description;
    if (definition.arguments !== undefined) descriptor.arguments = definition.arguments;
    if (definition.icons !== undefined) descriptor.icons = definition.icons;
    if (definition._meta !== undefined) descriptor._meta = definition._meta;
    this.prompts.set(definition.name, { definition, descriptor });
  }

  remove(name: string): boolean {
    return this.prompts.delete(name);
  }

  list(): Prompt[] {
    return [...this.prompts.values()].map(({ descriptor }) => descriptor);
  }

  async get(name: string, args: PromptArguments, ctx: RequestContext): Promise<GetPromptResult> {
    const prompt = this.prompts.get(name);
    if (!prompt) throw new InvalidParamsError(`Unknown prompt: ${name}`, { data: { name } });
    const missing = (prompt.definition.arguments ?? []).filter((arg) => arg.required && args[arg.name] === undefined);
    if (missing.length > 0) {
      throw new InvalidParamsError(
        `Missing required arguments for prompt ${name}: ${missing.map((arg) => arg.name).join(', ')}`,
      );
    }
    const outcome = await prompt.definition.handler(args, ctx);
    if (asksForInput(outcome, ctx)) return outcome as never;
    const result = Array.isArray(outcome) ? { messages: outcome } : outcome;
    if (!isPlainObject(result) || !Array.isArray(result.messages)) {
      throw new InternalError(`Prompt ${name} produced no messages array`);
    }
    return result;
  }

  async complete(
    name: string,
    argument: string,
    value: string,
    context: CompletionContext,
    ctx: RequestContext,
  ): Promise<Completion> {
    const prompt = this.prompts.get(name);
    if (!prompt) throw new InvalidParamsError(`Unknown prompt: ${name}`);
    const completer = prompt.definition.complete?.[argument];
    if (!completer) return { values: [] };
    return normalizeCompletion(await completer(value, context, ctx));
  }
}
