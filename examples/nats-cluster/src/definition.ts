import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';

/**
 * The one server every node runs. `key` signs `requestState` (multi round-trip requests):
 * every node gets the same one, so a retry may land on any node.
 */
export function clusterDefinition(nodeName: string, key: Uint8Array): McpServerDefinition {
  return defineServer({ name: 'nats-cluster-example', version: '1.0.0' }, { requestState: { key } })
    .tool({
      name: 'echo',
      description: 'Echoes its text and says which node ran it',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: async (args) => ({
        content: [{ type: 'text', text: String(args.text) }],
        structuredContent: { text: String(args.text), node: nodeName },
      }),
    })
    .build();
}
