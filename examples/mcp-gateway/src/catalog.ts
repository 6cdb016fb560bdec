import type { ObjectSchema } from '@erlmcp/mcp';
import type { ClientSession } from '@erlmcp/mcp/client';
import type { McpServerDefinition } from '@erlmcp/mcp/server';
import type { McpConnection, Pool } from '@erlmcp/transport-pool';
import { upstreamError } from './errors';

/** The separator between an upstream's name and the name of what it offers: `everything_echo`. */
export const SEPARATOR = '_';

/** Runs one request on a pooled session of `upstream`, turning its failures into JSON-RPC errors. */
export async function onUpstream<T>(
  pool: () => Pool<McpConnection>,
  upstream: string,
  method: string,
  fn: (client: ClientSession) => Promise<T>,
): Promise<T> {
  try {
    return await pool().use(({ client }) => fn(client));
  } catch (error) {
    throw upstreamError(upstream, method, error);
  }
}

/**
 * Lists what an upstream offers (tools, resources, resource templates, prompts) and adds each
 * to the gateway's definition under a prefixed name; calls are forwarded through the pool.
 * Resource URIs stay as the upstream gives them (a URI names the thing, wherever it is served);
 * when two upstreams offer the same URI, the first one loaded keeps it.
 */
export async function loadCatalog(
  definition: McpServerDefinition,
  upstream: string,
  pool: () => Pool<McpConnection>,
): Promise<{ tools: number; resources: number; prompts: number }> {
  const caps = await pool().use(async ({ client }) => ({
    tools: client.serverCapabilities?.tools ? await client.listAllTools() : [],
    resources: client.serverCapabilities?.resources ? await client.listAllResources() : [],
    templates: client.serverCapabilities?.resources ? await client.listAllResourceTemplates() : [],
    prompts: client.serverCapabilities?.prompts ? await client.listAllPrompts() : [],
  }));
  const prefix = `${upstream}${SEPARATOR}`;
  for (const tool of caps.tools) {
    const original = tool.name;
    definition.removeTool(prefix + original);
    definition.addTool({
      name: prefix + original,
      title: tool.title,
      description: tool.description === undefined ? `(${upstream})` : `(${upstream}) ${tool.description}`,
      inputSchema: tool.inputSchema as ObjectSchema,
      outputSchema: tool.outputSchema as ObjectSchema | undefined,
      annotations: tool.annotations,
      handler: (args) =>
        onUpstream(pool, upstream, 'tools/call', (client) =>
          client.callTool({ name: original, arguments: args }),
        ) as never,
    });
  }
  for (const resource of caps.resources) {
    definition.removeResource(resource.uri);
    definition.addResource({
      ...resource,
      name: prefix + resource.name,
      read: (uri) => onUpstream(pool, upstream, 'resources/read', (client) => client.readResource({ uri })) as never,
    });
  }
  for (const template of caps.templates) {
    definition.removeResourceTemplate(template.uriTemplate);
    definition.addResourceTemplate({
      ...template,
      name: prefix + template.name,
      read: (uri) => onUpstream(pool, upstream, 'resources/read', (client) => client.readResource({ uri })) as never,
    });
  }
  for (const prompt of caps.prompts) {
    const original = prompt.name;
    definition.removePrompt(prefix + original);
    definition.addPrompt({
      ...prompt,
      name: prefix + original,
      handler: (args) =>
        onUpstream(pool, upstream, 'prompts/get', (client) =>
          client.getPrompt({ name: original, arguments: args }),
        ) as never,
    });
  }
  return {
    tools: caps.tools.length,
    resources: caps.resources.length + caps.templates.length,
    prompts: caps.prompts.length,
  };
}
