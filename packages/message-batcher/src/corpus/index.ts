/**
 * The corpus the token-savings figures are measured on: three tasks with
 * shared instructions of realistic size (system prompt, tool definitions,
 * few-shot examples) and generated items (deterministic, seeded).
 *
 *   task              shared part               item
 *   classification    long policy, 3 tools,     a ticket of 2-4 sentences
 *                     3 examples
 *   extraction        field rules, 2 tools      an invoice as OCR text
 *   summarization     short style rules, 1 tool a call transcript
 */
import type { LlmInstructions } from '../llm/request';
import { invoiceInstructions, invoices } from './invoices';
import { ticketInstructions, tickets } from './tickets';
import { transcriptInstructions, transcripts } from './transcripts';

export interface CorpusTask {
  name: 'classification' | 'extraction' | 'summarization';
  instructions: LlmInstructions;
  /** `n` inputs of this task. */
  items(n: number): string[];
}

export const corpus: readonly CorpusTask[] = [
  { name: 'classification', instructions: ticketInstructions, items: (n) => tickets(n) },
  { name: 'extraction', instructions: invoiceInstructions, items: (n) => invoices(n) },
  { name: 'summarization', instructions: transcriptInstructions, items: (n) => transcripts(n) },
];
