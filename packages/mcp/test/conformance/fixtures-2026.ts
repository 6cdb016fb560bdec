// The fixtures the 2026-07-28 scenarios of the conformance suite 0.2.0-alpha.12 call (each named
// and specified in its scenario's description): multi round-trip tools, the stateless
// diagnostics, an x-mcp-header tool, list mutators, and the tasks extension's tools.
import { InternalError, InvalidParamsError } from '../../src';
import type { McpServerDefinition, RequestContext, ServerDefinitionBuilder } from '../../src/server';
import type { InputRequests } from '../../src';

const noArgs = { type: 'object', properties: {} } as const;

const ASK_NAME = {
  method: 'elicitation/create' as const,
  params: {
    message: 'What is your name?',
    requestedSchema: {
      type: 'object' as const,
      properties: { name: { type: 'string' as const } },
      required: ['name'],
    },
  },
};

type Answer = { action?: unknown; content?: Record<string, unknown> } | undefined;

/** The answer under `key`, refused with -32602 when it is not an object (the scenarios send a number). */
function answerOf(ctx: RequestContext, key: string): Answer {
  const value = ctx.inputResponses?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError(`inputResponses.${key} must be an object`);
  return value as Answer;
}

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

/** Sleeps `ms`, ending early (rejecting) when `signal` aborts: a cancelled task stops. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('cancelled'));
      },
      { once: true },
    );
  });
}

export function with2026Fixtures(
  builder: ServerDefinitionBuilder,
  definition: () => McpServerDefinition,
): ServerDefinitionBuilder {
  return (
    builder
      // Multi round-trip (SEP-2322)
      .tool({
        name: 'test_input_required_result_elicitation',
        description: 'Conformance fixture test_input_required_result_elicitation',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const who = answerOf(ctx, 'user_name');
          // Missing or wrong keys: ask again rather than fail.
          if (who === undefined) return ctx.inputRequired!({ user_name: ASK_NAME });
          return text(`Hello, ${String(who.content?.name ?? 'stranger')}!`);
        },
      })
      .tool({
        name: 'test_input_required_result_sampling',
        description: 'Conformance fixture test_input_required_result_sampling',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const answer = ctx.inputResponses?.capital_question as { content?: { text?: string } } | undefined;
          if (answer === undefined)
            return ctx.inputRequired!({
              capital_question: {
                method: 'sampling/createMessage',
                params: {
                  messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
                  maxTokens: 100,
                },
              },
            });
          return text(`The model said: ${String(answer.content?.text)}`);
        },
      })
      .tool({
        name: 'test_input_required_result_list_roots',
        description: 'Conformance fixture test_input_required_result_list_roots',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const answer = ctx.inputResponses?.client_roots as { roots?: { uri: string }[] } | undefined;
          if (answer === undefined) return ctx.inputRequired!({ client_roots: { method: 'roots/list', params: {} } });
          return text(`Roots: ${(answer.roots ?? []).map((root) => root.uri).join(', ')}`);
        },
      })
      .tool({
        name: 'test_input_required_result_request_state',
        description: 'Conformance fixture test_input_required_result_request_state',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const confirm = answerOf(ctx, 'confirm');
          if (confirm === undefined)
            return ctx.inputRequired!(
              {
                confirm: {
                  method: 'elicitation/create',
                  params: {
                    message: 'Please confirm',
                    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
                  },
                },
              },
              { round: 1 },
            );
          // The state came back signed and unaltered, or the server refused the retry already.
          const state = ctx.requestState as { round?: number } | undefined;
          if (state?.round !== 1) throw new InvalidParamsError('requestState is missing');
          return text(`state-ok: confirmed=${String(confirm.content?.ok)}`);
        },
      })
      .tool({
        name: 'test_input_required_result_multiple_inputs',
        description: 'Conformance fixture test_input_required_result_multiple_inputs',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const keys = ['user_name', 'greeting', 'client_roots'];
          if (!keys.every((key) => ctx.inputResponses?.[key] !== undefined))
            return ctx.inputRequired!(
              {
                user_name: ASK_NAME,
                greeting: {
                  method: 'sampling/createMessage',
                  params: {
                    messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
                    maxTokens: 50,
                  },
                },
                client_roots: { method: 'roots/list', params: {} },
              },
              { asked: keys },
            );
          return text(`Got all of ${keys.join(', ')}`);
        },
      })
      .tool({
        name: 'test_input_required_result_multi_round',
        description: 'Conformance fixture test_input_required_result_multi_round',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          const state = ctx.requestState as { name?: string } | undefined;
          const step2 = answerOf(ctx, 'step2');
          if (state?.name !== undefined && step2 !== undefined)
            return text(`${state.name} likes ${String(step2.content?.color)}`);
          const step1 = answerOf(ctx, 'step1');
          if (step1 !== undefined)
            return ctx.inputRequired!(
              {
                step2: {
                  method: 'elicitation/create',
                  params: {
                    message: 'Step 2: What is your favorite color?',
                    requestedSchema: {
                      type: 'object',
                      properties: { color: { type: 'string' } },
                      required: ['color'],
                    },
                  },
                },
              },
              { name: String(step1.content?.name), round: 2 },
            );
          return ctx.inputRequired!(
            { step1: { ...ASK_NAME, params: { ...ASK_NAME.params, message: 'Step 1: What is your name?' } } },
            { round: 1 },
          );
        },
      })
      .tool({
        name: 'test_input_required_result_tampered_state',
        description: 'Conformance fixture test_input_required_result_tampered_state',
        inputSchema: noArgs,
        // The signature check refuses an altered requestState (-32602) before this runs again.
        handler: (_args, ctx) =>
          answerOf(ctx, 'user_name') === undefined
            ? ctx.inputRequired!({ user_name: ASK_NAME }, { issued: 'by this server' })
            : text('state verified'),
      })
      .tool({
        name: 'test_input_required_result_capabilities',
        description: 'Conformance fixture test_input_required_result_capabilities',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          if (ctx.inputResponses !== undefined) return text('answered');
          const declared = ctx.modern?.clientCapabilities ?? {};
          const requests: InputRequests = {};
          if (declared.elicitation !== undefined) requests.user_name = ASK_NAME;
          if (declared.sampling !== undefined)
            requests.greeting = {
              method: 'sampling/createMessage',
              params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 20 },
            };
          if (declared.roots !== undefined) requests.client_roots = { method: 'roots/list', params: {} };
          return Object.keys(requests).length === 0 ? text('nothing to ask') : ctx.inputRequired!(requests);
        },
      })
      .prompt({
        name: 'test_input_required_result_prompt',
        description: 'A prompt that asks for its context first',
        handler: (_args, ctx) => {
          const answer = answerOf(ctx, 'user_context');
          if (answer === undefined)
            return ctx.inputRequired!({
              user_context: {
                method: 'elicitation/create',
                params: {
                  message: 'What context should the prompt use?',
                  requestedSchema: {
                    type: 'object',
                    properties: { context: { type: 'string' } },
                    required: ['context'],
                  },
                },
              },
            });
          return [{ role: 'user', content: { type: 'text', text: `Context: ${String(answer.content?.context)}` } }];
        },
      })
      // Stateless diagnostics (SEP-2575)
      .tool({
        name: 'test_missing_capability',
        description: 'Needs sampling: -32021 unless the request declares it',
        inputSchema: noArgs,
        handler: (_args, ctx) =>
          ctx.inputRequired!({
            s: {
              method: 'sampling/createMessage',
              params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 },
            },
          }),
      })
      .tool({
        name: 'test_logging_tool',
        description: 'Conformance fixture test_logging_tool',
        inputSchema: noArgs,
        handler: (_args, ctx) => {
          ctx.log('info', 'sent only when the request asked for a log level');
          return text('logged');
        },
      })
      .tool({
        name: 'test_streaming_elicitation',
        description: 'Conformance fixture test_streaming_elicitation',
        inputSchema: noArgs,
        handler: (_args, ctx) =>
          ctx.inputResponses === undefined ? ctx.inputRequired!({ user_name: ASK_NAME }) : text('answered'),
      })
      .tool({
        name: 'test_trigger_tool_change',
        description: 'Conformance fixture test_trigger_tool_change',
        inputSchema: noArgs,
        handler: () => {
          const d = definition();
          if (!d.removeTool('test_dynamic_tool'))
            d.addTool({
              name: 'test_dynamic_tool',
              description: 'Added and removed by test_trigger_tool_change',
              handler: () => text('dynamic'),
            });
          return text('tool list changed');
        },
      })
      .tool({
        name: 'test_trigger_prompt_change',
        description: 'Conformance fixture test_trigger_prompt_change',
        inputSchema: noArgs,
        handler: () => {
          const d = definition();
          if (!d.removePrompt('test_dynamic_prompt'))
            d.addPrompt({
              name: 'test_dynamic_prompt',
              description: 'Added and removed by test_trigger_prompt_change',
              handler: () => [{ role: 'user', content: { type: 'text', text: 'dynamic' } }],
            });
          return text('prompt list changed');
        },
      })
      // Mcp-Param headers (SEP-2243)
      .tool<{ region?: string; priority?: number; verbose?: boolean }>({
        name: 'test_custom_headers',
        description: 'Conformance fixture test_custom_headers',
        inputSchema: {
          type: 'object',
          properties: {
            region: { type: 'string', 'x-mcp-header': 'Region' },
            priority: { type: 'integer', 'x-mcp-header': 'Priority' },
            verbose: { type: 'boolean', 'x-mcp-header': 'Verbose' },
          },
        },
        handler: (args) => text(`headers matched: ${JSON.stringify(args)}`),
      })
      // The tasks extension (SEP-2663)
      .tool<{ name?: string }>({
        name: 'greet',
        description: 'Conformance fixture greet',
        inputSchema: { type: 'object', properties: { name: { type: 'string' } } },
        handler: ({ name }) => text(`Hello, ${name ?? 'World'}!`),
      })
      .tool<{ seconds?: number; label?: string }>({
        name: 'slow_compute',
        description: 'Conformance fixture slow_compute',
        task: 'optional',
        inputSchema: { type: 'object', properties: { seconds: { type: 'number' }, label: { type: 'string' } } },
        handler: async ({ seconds = 0, label = '' }, ctx) => {
          await sleep(seconds * 1000, ctx.signal);
          return text(`computed ${label} after ${seconds}s`);
        },
      })
      .tool({
        name: 'failing_job',
        description: 'Conformance fixture failing_job',
        task: 'required',
        inputSchema: noArgs,
        handler: async (_args, ctx) => {
          await sleep(200, ctx.signal);
          return { content: [{ type: 'text', text: 'the job failed' }], isError: true };
        },
      })
      .tool({
        name: 'protocol_error_job',
        description: 'Conformance fixture protocol_error_job',
        task: 'optional',
        inputSchema: noArgs,
        handler: () => {
          throw new InternalError('protocol_error_job broke');
        },
      })
      .tool<{ filename?: string }>({
        name: 'confirm_delete',
        description: 'Conformance fixture confirm_delete',
        task: 'optional',
        inputSchema: { type: 'object', properties: { filename: { type: 'string' } } },
        handler: async ({ filename = 'file' }, ctx) => {
          const asked = await ctx.ask({
            confirm: {
              method: 'elicitation/create',
              params: {
                message: `Delete ${filename}?`,
                requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
              },
            },
          });
          if (asked.status === 'input_required') return asked.result;
          return text(`${filename}: ${(asked.responses.confirm as Answer)?.action === 'accept' ? 'deleted' : 'kept'}`);
        },
      })
      .tool({
        // tasks-mrtr-composition: asks by multi round-trip first, then becomes a task.
        name: 'test_tool_with_task',
        description: 'Conformance fixture test_tool_with_task',
        task: 'required',
        taskStart: 'handler',
        inputSchema: noArgs,
        handler: async (_args, ctx) => {
          const asked = await ctx.ask({ user_name: ASK_NAME });
          if (asked.status === 'input_required') return asked.result;
          const name = (asked.responses.user_name as Answer)?.content?.name;
          return ctx.runAsTask(async (task) => {
            await sleep(100, task.signal);
            return text(`Hello, ${typeof name === 'string' ? name : 'stranger'}!`);
          });
        },
      })
      .tool({
        name: 'multi_input',
        description: 'Conformance fixture multi_input',
        task: 'optional',
        inputSchema: noArgs,
        handler: async (_args, ctx) => {
          const asked = await ctx.ask({
            first: { ...ASK_NAME, params: { ...ASK_NAME.params, message: 'First?' } },
            second: { ...ASK_NAME, params: { ...ASK_NAME.params, message: 'Second?' } },
          });
          if (asked.status === 'input_required') return asked.result;
          return text(`got ${Object.keys(asked.responses).sort().join(' and ')}`);
        },
      })
  );
}
