import { defineServer, type McpServerDefinition } from '../../src/server';

/** Bytes of text in each `blob` answer and each `flood` notification. */
export const BLOB_BYTES = 32 * 1024;

/**
 * A server whose answers are large (`blob`), and one tool that sends notifications until
 * its request is cancelled or its session closes (`flood`): output a client's requests do
 * not bound.
 */
export function backpressureDefinition(): McpServerDefinition {
  const blob = 'b'.repeat(BLOB_BYTES);
  return defineServer({ name: 'backpressure', version: '1' })
    .tool({ name: 'blob', handler: () => ({ content: [{ type: 'text', text: blob }] }) })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .tool({
      name: 'flood',
      handler: async (_args, ctx) => {
        while (!ctx.signal.aborted) {
          ctx.log('info', blob);
          await new Promise((resolve) => setImmediate(resolve));
        }
        return { content: [] };
      },
    })
    .build();
}

export const INIT_LINE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'slow-reader', version: '1' } },
});
export const INITIALIZED_LINE = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

export const callLine = (id: number, name: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name } });

/** Resolves once `condition` holds, checking every few milliseconds; never times out itself. */
export async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
