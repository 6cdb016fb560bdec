// Our client as the conformance suite's client scenarios run it (0.2.0-alpha.12, the 2026-07-28
// ones): `client.ts <server url>`, with MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION
// and, for some scenarios, MCP_CONFORMANCE_CONTEXT (the tool calls to make). It does what a
// generic client does with a server: discover, list and call its tools (with arguments from the
// context, or made from each schema), read a resource, get a prompt, answering every question
// through its handlers. Each step's failure is reported on stderr and the next step still runs:
// the scenario's checks judge what reached the server.
import { connectHttp } from '../../src/client';
import type { Tool } from '../../src';

interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

const url = process.argv[process.argv.length - 1]!;
const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION;
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as { toolCalls?: ToolCall[] };

/** Arguments that satisfy a simple schema's required properties: numbers 1, strings 'x', booleans true. */
function argumentsFor(tool: Tool): Record<string, unknown> {
  const schema = tool.inputSchema as { properties?: Record<string, { type?: string }>; required?: string[] };
  const out: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const type = schema.properties?.[name]?.type;
    out[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : 'x';
  }
  return out;
}

async function step(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    process.stderr.write(`conformance client: ${what}: ${String(error)}\n`);
  }
}

async function main(): Promise<void> {
  const http = await connectHttp({
    url,
    clientInfo: { name: 'erlmcp-conformance-client', version: '0.1.0' },
    versionNegotiation: version === '2026-07-28' ? { pin: '2026-07-28' } : 'auto',
    handlers: {
      elicit: () => ({ action: 'accept', content: { name: 'conformance', ok: true } }),
      createMessage: () => ({ role: 'assistant', content: { type: 'text', text: 'Hello' }, model: 'none' }),
      listRoots: () => ({ roots: [{ uri: 'file:///tmp', name: 'tmp' }] }),
    },
  });
  try {
    const client = http.client;
    let tools: Tool[] = [];
    await step('tools/list', async () => (tools = await client.listAllTools()));
    if (context.toolCalls !== undefined) {
      for (const call of context.toolCalls) await step(`tools/call ${call.name}`, () => client.callTool(call));
    } else if (tools.some((tool) => tool.name === 'json_schema_echo')) {
      // Hands the rich schema back as we hold it, to show nothing was stripped.
      const focal = tools.find((tool) => tool.name === 'json_schema_2020_12_tool');
      await step('tools/call json_schema_echo', () =>
        client.callTool({ name: 'json_schema_echo', arguments: { schema: focal?.inputSchema } }),
      );
    } else {
      for (const tool of tools)
        await step(`tools/call ${tool.name}`, () =>
          client.callTool({ name: tool.name, arguments: argumentsFor(tool) }),
        );
    }
    const capabilities = client.serverCapabilities ?? {};
    if (capabilities.resources !== undefined)
      await step('resources', async () => {
        const [first] = await client.listAllResources();
        if (first !== undefined) await client.readResource({ uri: first.uri });
      });
    if (capabilities.prompts !== undefined)
      await step('prompts', async () => {
        const [first] = await client.listAllPrompts();
        if (first === undefined) return;
        const args = Object.fromEntries((first.arguments ?? []).map((argument) => [argument.name, 'x']));
        await client.getPrompt({ name: first.name, arguments: args });
      });
  } finally {
    await http.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance client: ${String(error)}\n`);
  process.exitCode = 1;
});
