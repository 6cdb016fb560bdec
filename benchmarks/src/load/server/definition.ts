import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';

/**
 * The MCP server the load runs against: an echo tool (tools/call answers with its argument,
 * so every answer can be checked against its request) and an item resource template
 * (resources/read of load://item/{n} answers `item <n>`). protocol.ts checks against these.
 */
export function loadServerDefinition(): McpServerDefinition {
  return defineServer({ name: 'load-target', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      description: 'Answers with its argument',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .resourceTemplate({
      uriTemplate: 'load://item/{n}',
      name: 'item',
      read: (uri, { n }) => [{ uri, mimeType: 'text/plain', text: `item ${String(n)}` }],
    })
    .build();
}
