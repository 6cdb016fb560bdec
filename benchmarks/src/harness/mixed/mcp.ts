/**
 * The mixed application's MCP part: a server definition shaped like the flagship example's
 * (examples/mcp-server: echo, calculate, runtime info, a counter, resources, a prompt), built
 * from @erlmcp/mcp's public entry point, served over Streamable HTTP on a loopback port and
 * called by our client: sessions are processes on the mixed node, so their GenServer traffic
 * and the HTTP and JSON-RPC code paths are exercised before a scenario runs.
 */
import { connectHttp } from '@erlmcp/mcp/client';
import { listenHttp } from '@erlmcp/mcp/hosting';
import { defineServer } from '@erlmcp/mcp/server';
import { processes } from '@erlmcp/otp';

export interface McpPart {
  stop(): Promise<void>;
}

type Op = 'add' | 'subtract' | 'multiply' | 'divide';

function definition() {
  let count = 0;
  return defineServer(
    { name: 'mixed-app', version: '0.1.0' },
    { instructions: 'Tools: echo, calculate, runtime_info, count.' },
  )
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .tool<{ op: Op; a: number; b: number }>({
      name: 'calculate',
      inputSchema: {
        type: 'object',
        properties: {
          op: { type: 'string', enum: ['add', 'subtract', 'multiply', 'divide'] },
          a: { type: 'number' },
          b: { type: 'number' },
        },
        required: ['op', 'a', 'b'],
      },
      outputSchema: { type: 'object', properties: { result: { type: 'number' } }, required: ['result'] },
      handler: ({ op, a, b }) => {
        const result = op === 'add' ? a + b : op === 'subtract' ? a - b : op === 'multiply' ? a * b : a / b;
        return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } };
      },
    })
    .tool<{ verbose?: boolean }>({
      name: 'runtime_info',
      inputSchema: { type: 'object', properties: { verbose: { type: 'boolean' } } },
      handler: () => ({ content: [{ type: 'text', text: JSON.stringify({ processes: processes().length }) }] }),
    })
    .tool<{ by?: number }>({
      name: 'count',
      inputSchema: { type: 'object', properties: { by: { type: 'number' } } },
      handler: ({ by }) => ({ content: [{ type: 'text', text: String((count += by ?? 1)) }] }),
    })
    .resource({
      uri: 'erlmcp://about',
      name: 'about',
      mimeType: 'text/plain',
      read: () => ({
        contents: [{ uri: 'erlmcp://about', mimeType: 'text/plain', text: 'the mixed benchmark application' }],
      }),
    })
    .prompt({
      name: 'explain',
      arguments: [{ name: 'topic', required: true }],
      handler: ({ topic }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Explain ${String(topic)}` } }],
      }),
    })
    .build();
}

/** Listens on 127.0.0.1, opens four client sessions, and sends each a mix of requests. */
export async function exerciseMcp(): Promise<McpPart> {
  const server = await listenHttp(definition(), { hostname: '127.0.0.1', port: 0 });
  const clients = await Promise.all(
    Array.from({ length: 4 }, () =>
      connectHttp({ url: server.url, clientInfo: { name: 'mixed', version: '1' }, openGetStream: false }),
    ),
  );
  for (let i = 0; i < 60; i++) {
    await Promise.all(
      clients.map(async ({ client }, c) => {
        await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
        await client.callTool({
          name: 'calculate',
          arguments: { op: (['add', 'subtract', 'multiply', 'divide'] as const)[(i + c) % 4], a: i, b: c + 1 },
        });
        await client.callTool({ name: i % 2 === 0 ? 'count' : 'runtime_info', arguments: {} });
        if (i % 10 === 0) {
          await client.listTools();
          await client.readResource({ uri: 'erlmcp://about' });
          await client.getPrompt({ name: 'explain', arguments: { topic: 'supervisors' } });
        }
      }),
    );
  }
  return {
    stop: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}
