import type { ElicitParams } from './elicitation';
import type { CreateMessageParams } from './sampling';

// Multi round-trip requests (schema/2026-07-28/schema.ts: InputRequest, InputRequests,
// InputRequiredResult; basic/patterns/mrtr.mdx).

/** What a server may ask of a 2026-07-28 client inside a result, instead of a request of its own. */
export type InputRequest =
  | { method: 'elicitation/create'; params: ElicitParams }
  | { method: 'sampling/createMessage'; params: CreateMessageParams }
  | { method: 'roots/list'; params?: Record<string, never> };

/** Keys are the server's names for its questions; the retry answers under the same keys. */
export type InputRequests = Record<string, InputRequest>;

/** The interim answer of tools/call, prompts/get or resources/read: ask, then be retried. */
export interface InputRequiredResult {
  resultType: 'input_required';
  inputRequests?: InputRequests;
  /** Opaque to the client, echoed on the retry; this server signs it (HMAC-SHA256). */
  requestState?: string;
}
