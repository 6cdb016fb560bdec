// The server the official conformance suite (@modelcontextprotocol/conformance 0.1.16) tests:
// every tool, resource and prompt its server scenarios call, doing what each scenario checks;
// fixtures-2026.ts adds those of the 2026-07-28 scenarios (0.2.0-alpha.12).
import { defineServer, type McpServerDefinition } from '../../src/server';
import { with2026Fixtures } from './fixtures-2026';

/** A 1×1 red PNG. */
const RED_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
/** Eight samples of 8-bit mono silence at 8 kHz. */
const SILENT_WAV = 'UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const noArgs = { type: 'object', properties: {} } as const;

export function conformanceDefinition(): McpServerDefinition {
  const builder = defineServer(
    { name: 'erlmcp-conformance', version: '0.1.0' },
    { capabilities: { completions: true } },
  )
    .tool({
      name: 'test_simple_text',
      description: 'Returns simple text',
      inputSchema: noArgs,
      handler: () => ({ content: [{ type: 'text', text: 'This is a simple text response for testing.' }] }),
    })
    .tool({
      name: 'test_image_content',
      description: 'Returns a PNG image',
      inputSchema: noArgs,
      handler: () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
    })
    .tool({
      name: 'test_audio_content',
      description: 'Returns WAV audio',
      inputSchema: noArgs,
      handler: () => ({ content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }] }),
    })
    .tool({
      name: 'test_embedded_resource',
      description: 'Returns an embedded resource',
      inputSchema: noArgs,
      handler: () => ({
        content: [
          {
            type: 'resource',
            resource: {
              uri: 'test://embedded-resource',
              mimeType: 'text/plain',
              text: 'This is an embedded resource content.',
            },
          },
        ],
      }),
    })
    .tool({
      name: 'test_multiple_content_types',
      description: 'Returns text, an image and a resource',
      inputSchema: noArgs,
      handler: () => ({
        content: [
          { type: 'text', text: 'Multiple content types test:' },
          { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
          {
            type: 'resource',
            resource: {
              uri: 'test://mixed-content-resource',
              mimeType: 'application/json',
              text: JSON.stringify({ test: 'data', value: 123 }),
            },
          },
        ],
      }),
    })
    .tool({
      name: 'test_tool_with_logging',
      description: 'Logs three messages while it runs',
      inputSchema: noArgs,
      handler: async (_args, ctx) => {
        ctx.log('info', 'Tool execution started');
        await sleep(50);
        ctx.log('info', 'Tool processing data');
        await sleep(50);
        ctx.log('info', 'Tool execution completed');
        return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
      },
    })
    .tool({
      name: 'test_tool_with_progress',
      description: 'Reports progress 0, 50, 100 of 100',
      inputSchema: noArgs,
      handler: async (_args, ctx) => {
        ctx.progress(0, 100);
        await sleep(50);
        ctx.progress(50, 100);
        await sleep(50);
        ctx.progress(100, 100);
        return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
      },
    })
    .tool({
      name: 'test_error_handling',
      description: 'Always fails',
      inputSchema: noArgs,
      handler: () => {
        throw new Error('This tool intentionally returns an error for testing');
      },
    })
    .tool<{ prompt: string }>({
      name: 'test_sampling',
      description: 'Asks the client to sample an LLM',
      inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
      handler: async ({ prompt }, ctx) => {
        const result = await ctx.session.createMessage(
          { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
          { signal: ctx.signal },
        );
        const content = Array.isArray(result.content) ? result.content[0] : result.content;
        const text = content !== undefined && content.type === 'text' ? content.text : JSON.stringify(content);
        return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
      },
    })
    .tool<{ message: string }>({
      name: 'test_elicitation',
      description: 'Asks the user for a name and an email',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      handler: async ({ message }, ctx) => {
        const result = await ctx.session.elicit(
          {
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                username: { type: 'string', description: "User's response" },
                email: { type: 'string', description: "User's email address" },
              },
              required: ['username', 'email'],
            },
          },
          { signal: ctx.signal },
        );
        return {
          content: [
            {
              type: 'text',
              text: `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
            },
          ],
        };
      },
    })
    .tool({
      name: 'test_elicitation_sep1034_defaults',
      description: 'Elicits with a default for every primitive type',
      inputSchema: noArgs,
      handler: async (_args, ctx) => {
        const result = await ctx.session.elicit(
          {
            message: 'Please review and update the form fields with defaults',
            requestedSchema: {
              type: 'object',
              properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: {
                  type: 'string',
                  description: 'User status',
                  enum: ['active', 'inactive', 'pending'],
                  default: 'active',
                },
                verified: { type: 'boolean', description: 'Verification status', default: true },
              },
              required: [],
            },
          },
          { signal: ctx.signal },
        );
        return {
          content: [
            {
              type: 'text',
              text: `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
            },
          ],
        };
      },
    })
    .tool({
      name: 'test_elicitation_sep1330_enums',
      description: 'Elicits with all five enum forms',
      inputSchema: noArgs,
      handler: async (_args, ctx) => {
        const result = await ctx.session.elicit(
          {
            message: 'Please select options from the enum fields',
            requestedSchema: {
              type: 'object',
              properties: {
                untitledSingle: {
                  type: 'string',
                  description: 'Choose an option',
                  enum: ['option1', 'option2', 'option3'],
                },
                titledSingle: {
                  type: 'string',
                  description: 'Choose a titled option',
                  oneOf: [
                    { const: 'value1', title: 'First Option' },
                    { const: 'value2', title: 'Second Option' },
                    { const: 'value3', title: 'Third Option' },
                  ],
                },
                legacyEnum: {
                  type: 'string',
                  description: 'Choose a legacy option',
                  enum: ['opt1', 'opt2', 'opt3'],
                  enumNames: ['Option One', 'Option Two', 'Option Three'],
                },
                untitledMulti: {
                  type: 'array',
                  description: 'Choose multiple options',
                  items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
                },
                titledMulti: {
                  type: 'array',
                  description: 'Choose multiple titled options',
                  items: {
                    anyOf: [
                      { const: 'value1', title: 'First Choice' },
                      { const: 'value2', title: 'Second Choice' },
                      { const: 'value3', title: 'Third Choice' },
                    ],
                  },
                },
              },
              required: [],
            },
          } as never,
          { signal: ctx.signal },
        );
        return {
          content: [
            {
              type: 'text',
              text: `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
            },
          ],
        };
      },
    })
    .tool({
      name: 'json_schema_2020_12_tool',
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: {
            $anchor: 'addressDef',
            type: 'object',
            properties: { street: { type: 'string' }, city: { type: 'string' } },
          },
        },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
          contactMethod: { type: 'string', enum: ['phone', 'email'] },
          phone: { type: 'string' },
          email: { type: 'string' },
        },
        // SEP-2106 (the 2026 scenario): composition and conditional keywords are listed as given.
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        then: { required: ['phone'] },
        else: { required: ['email'] },
        additionalProperties: false,
      },
      handler: (args) => ({ content: [{ type: 'text', text: `Received: ${JSON.stringify(args)}` }] }),
    })
    .tool({
      name: 'test_reconnection',
      description: 'Closes its SSE stream mid-call; the answer arrives after the client reconnects (SEP-1699)',
      inputSchema: noArgs,
      handler: async (_args, ctx) => {
        ctx.closeSseStream();
        await sleep(100);
        return { content: [{ type: 'text', text: 'Reconnection test completed successfully' }] };
      },
    })
    .resource({
      uri: 'test://static-text',
      name: 'static-text',
      description: 'A static text resource',
      mimeType: 'text/plain',
      read: (uri) => [{ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    })
    .resource({
      uri: 'test://static-binary',
      name: 'static-binary',
      description: 'A static PNG',
      mimeType: 'image/png',
      read: (uri) => [{ uri, mimeType: 'image/png', blob: RED_PIXEL_PNG }],
    })
    .resource({
      uri: 'test://watched-resource',
      name: 'watched-resource',
      description: 'A resource clients may subscribe to',
      mimeType: 'text/plain',
      read: (uri) => [{ uri, mimeType: 'text/plain', text: 'Watched resource content' }],
    })
    .resourceTemplate({
      uriTemplate: 'test://template/{id}/data',
      name: 'template-data',
      description: 'Data for an id',
      mimeType: 'application/json',
      read: (uri, { id }) => [
        {
          uri,
          mimeType: 'application/json',
          text: JSON.stringify({ id: String(id), templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    })
    .prompt({
      name: 'test_simple_prompt',
      description: 'A prompt without arguments',
      handler: () => [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    })
    .prompt({
      name: 'test_prompt_with_arguments',
      description: 'A prompt with two arguments',
      arguments: [
        { name: 'arg1', description: 'First test argument', required: true },
        { name: 'arg2', description: 'Second test argument', required: true },
      ],
      handler: ({ arg1, arg2 }) => [
        { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
      ],
      complete: {
        arg1: (value) => ['paris', 'park', 'party', 'test', 'testing'].filter((word) => word.startsWith(value)),
      },
    })
    .prompt({
      name: 'test_prompt_with_embedded_resource',
      description: 'A prompt that embeds a resource',
      arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
      handler: ({ resourceUri }) => [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    })
    .prompt({
      name: 'test_prompt_with_image',
      description: 'A prompt with an image',
      handler: () => [
        { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    });
  const definition: McpServerDefinition = with2026Fixtures(builder, () => definition).build();
  return definition;
}
