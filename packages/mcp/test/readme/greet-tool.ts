import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';

export function greeter(): McpServerDefinition {
  return defineServer({ name: 'mrtr', version: '1.0.0' })
    .tool<{ greeting: string }>({
      name: 'greet',
      inputSchema: { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'] },
      handler: ({ greeting }, ctx) => {
        const answer = ctx.inputResponses?.who as { action?: string; content?: { name?: string } } | undefined;
        if (answer?.action !== 'accept' || typeof answer.content?.name !== 'string') {
          return ctx.inputRequired!(
            { who: { method: 'elicitation/create', params: { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } },
            { asked: greeting }, // comes back as ctx.requestState, signed
          );
        }
        return { content: [{ type: 'text', text: `${greeting}, ${answer.content.name} (state ${JSON.stringify(ctx.requestState)})` }] };
      },
    })
    .build();
}
