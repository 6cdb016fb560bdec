import { isPlainObject } from '../jsonrpc/codec';
import { SessionStateError } from '../protocol/errors';
import type { InputRequest, InputRequests, InputRequiredResult } from '../types/input-requests';
import type { AskOutcome, ServerSessionHandle } from './context';

// ctx.ask: one way for a tool to ask the client in both eras (README "Revision 2026-07-28").
// 2025 sessions send server-to-client requests; a 2026-07-28 request answers input_required
// and reads the answers from the retry. A 2026 retry carries only the latest round's answers,
// so the answers of earlier rounds travel in the signed requestState, under ASKED_KEY, beside
// the handler's own state: a handler asking twice in a row sees both answers on the last retry.

const ASKED_KEY = 'io.erlmcp/asked';

/** The requestState ask signs: the handler's state and the answers so far. */
interface AskEnvelope {
  [ASKED_KEY]: { answers: Record<string, unknown>; state: unknown };
}

function isEnvelope(value: unknown): value is AskEnvelope {
  return isPlainObject(value) && isPlainObject(value[ASKED_KEY]) && isPlainObject(value[ASKED_KEY].answers);
}

/** The handler's own state out of a verified requestState (ask may have wrapped it). */
export function handlerState(state: unknown): unknown {
  return isEnvelope(state) ? state[ASKED_KEY].state : state;
}

/** Answers of earlier rounds (from the verified state) with this retry's on top. */
export function answersSoFar(
  state: unknown,
  inputResponses: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  return { ...(isEnvelope(state) ? state[ASKED_KEY].answers : {}), ...inputResponses };
}

/** 2025 sessions: each question as the server-to-client request it is, all at once. */
export async function askSession(session: ServerSessionHandle, requests: InputRequests): Promise<AskOutcome> {
  const entries = await Promise.all(
    Object.entries(requests).map(async ([key, request]) => [key, await sendOne(session, request)] as const),
  );
  return { status: 'answered', responses: Object.fromEntries(entries) };
}

function sendOne(session: ServerSessionHandle, request: InputRequest): Promise<unknown> {
  switch (request.method) {
    case 'elicitation/create':
      return session.elicit(request.params);
    case 'sampling/createMessage':
      return session.createMessage(request.params);
    case 'roots/list':
      return session.listRoots();
    default:
      return Promise.reject(
        new SessionStateError(`ask cannot send ${String((request as { method?: unknown }).method)}`),
      );
  }
}

/**
 * 2026-07-28: answered when every key is among the answers so far; otherwise the
 * input_required result asking the keys still missing, its state carrying what was answered.
 */
export function askModern(
  requests: InputRequests,
  state: unknown,
  known: Record<string, unknown>,
  inputRequired: (requests: InputRequests, state: unknown) => InputRequiredResult,
): AskOutcome {
  const missing: InputRequests = {};
  const responses: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(requests)) {
    if (key in known) responses[key] = known[key];
    else missing[key] = request;
  }
  if (Object.keys(missing).length === 0) return { status: 'answered', responses };
  const envelope: AskEnvelope = { [ASKED_KEY]: { answers: known, state } };
  return { status: 'input_required', result: inputRequired(missing, envelope) };
}
