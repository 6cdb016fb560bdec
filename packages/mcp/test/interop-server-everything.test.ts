import path from 'node:path';
import type { CreateMessageParams, ElicitParams, JsonObject } from '@erlmcp/mcp';
import { type ClientSession, spawnStdioClient, type StdioClient } from '../src/client';
import { REPO_ROOT } from './helpers/child';

// Our client against @modelcontextprotocol/server-everything 2026.8.31, the official reference
// server, over stdio: spawned with node from node_modules (nothing downloaded at run time).
// It speaks the 2025 revisions (it is built on the SDK 1.x), so 'auto' falls back to the
// initialize handshake; every feature it offers is exercised, including the server's own
// requests (sampling, elicitation in form and URL mode, roots), logging, resource
// subscriptions and a task-augmented tool call (SEP-1686) driven through `request`.

const ENTRY = path.join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const INFO = { name: 'erlmcp-client', version: '1.0.0' };

interface Asked {
  sampling: CreateMessageParams[];
  elicit: ElicitParams[];
  roots: number;
}

async function spawnEverything(asked: Asked): Promise<StdioClient> {
  return spawnStdioClient({
    command: process.execPath,
    args: [ENTRY, 'stdio'],
    cwd: REPO_ROOT,
    // Only what node needs, and a marker get-env can show back.
    env: { PATH: process.env.PATH ?? '', ERLMCP_INTEROP_MARKER: 'everything-env' },
    stderr: 'ignore',
    clientInfo: INFO,
    versionNegotiation: 'auto',
    capabilities: { elicitation: { form: {}, url: {} } },
    handlers: {
      createMessage: (params) => {
        asked.sampling.push(params);
        return { role: 'assistant', content: { type: 'text', text: 'scripted answer' }, model: 'scripted-model' };
      },
      elicit: (params) => {
        asked.elicit.push(params);
        return 'url' in params && params.mode === 'url'
          ? { action: 'accept' }
          : { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
      },
      listRoots: () => {
        asked.roots += 1;
        return [{ uri: 'file:///work/project', name: 'project' }];
      },
    },
  });
}

function text(result: { content: unknown[] }): string {
  return (result.content as { type: string; text?: string }[])
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

/** Resolves with the first event that `accept` takes, from an `on` registration. */
function first<T>(register: (listener: (value: T) => void) => () => void, accept: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const off = register((value) => {
      if (!accept(value)) return;
      off();
      resolve(value);
    });
  });
}

describe('our client ↔ @modelcontextprotocol/server-everything over stdio', () => {
  let everything: StdioClient;
  let client: ClientSession;
  const asked: Asked = { sampling: [], elicit: [], roots: 0 };

  beforeAll(async () => {
    everything = await spawnEverything(asked);
    client = everything.client;
  });
  afterAll(async () => {
    await everything?.close();
  });

  test("'auto' falls back to the initialize handshake of the revision it speaks", () => {
    expect(client.protocolVersion).toBe('2025-11-25');
    expect(client.serverInfo?.name).toMatch(/everything/);
    expect(client.serverCapabilities).toMatchObject({ tools: {}, resources: { subscribe: true }, prompts: {} });
  });

  test('tools: every one it lists, with their arguments and outputs', async () => {
    const names = (await client.listAllTools()).map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'echo',
        'get-sum',
        'get-env',
        'get-tiny-image',
        'get-annotated-message',
        'get-resource-links',
        'get-resource-reference',
        'get-structured-content',
        'get-roots-list',
        'gzip-file-as-resource',
        'trigger-long-running-operation',
        'toggle-simulated-logging',
        'toggle-subscriber-updates',
        'trigger-sampling-request',
        'trigger-elicitation-request',
        'trigger-url-elicitation',
        'simulate-research-query',
      ]),
    );
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'hello' } }))).toContain('hello');
    expect(text(await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } }))).toContain('42');
    expect(text(await client.callTool({ name: 'get-env', arguments: {} }))).toContain('everything-env');
    const image = await client.callTool({ name: 'get-tiny-image', arguments: {} });
    expect(image.content).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'image', mimeType: 'image/png' })]),
    );
    const annotated = await client.callTool({
      name: 'get-annotated-message',
      arguments: { messageType: 'error', includeImage: true },
    });
    expect(annotated.content[0]).toMatchObject({ type: 'text', annotations: { priority: 1.0 } });
    const links = await client.callTool({ name: 'get-resource-links', arguments: { count: 3 } });
    const linked = links.content.filter((block) => block.type === 'resource_link');
    expect(linked).toHaveLength(3);
    const reference = await client.callTool({
      name: 'get-resource-reference',
      arguments: { resourceType: 'Text', resourceId: 2 },
    });
    expect(reference.content).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'resource',
          resource: expect.objectContaining({ uri: expect.stringContaining('2') }),
        }),
      ]),
    );
    // Checked by our client against the outputSchema it saw in listTools.
    const weather = await client.callTool({ name: 'get-structured-content', arguments: { location: 'New York' } });
    expect(weather.structuredContent).toMatchObject({
      temperature: expect.any(Number),
      conditions: expect.any(String),
    });
    const gzip = await client.callTool({
      name: 'gzip-file-as-resource',
      arguments: {
        name: 'hello.txt.gz',
        data: `data:text/plain;base64,${Buffer.from('hello '.repeat(50)).toString('base64')}`,
      },
    });
    const gzLink = gzip.content.find((block) => block.type === 'resource_link') as { uri: string } | undefined;
    expect(gzLink?.uri).toBe('demo://resource/session/hello.txt.gz');
    const gz = await client.readResource({ uri: gzLink!.uri });
    expect(gz.contents[0]).toMatchObject({ mimeType: 'application/gzip', blob: expect.any(String) });
  });

  test('a long-running tool reports progress on the way', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      { onProgress: (p) => void progress.push({ progress: p.progress, total: p.total }) },
    );
    expect(text(result)).toContain('Steps: 3');
    expect(progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
  });

  test("the server's own requests: sampling, elicitation (form and URL), roots", async () => {
    expect(
      text(await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'Say hi', maxTokens: 10 } })),
    ).toContain('scripted answer');
    expect(asked.sampling.at(-1)?.messages[0]).toMatchObject({
      role: 'user',
      content: { type: 'text', text: expect.stringContaining('Say hi') },
    });
    expect(text(await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }))).toContain(
      'Ada Lovelace',
    );
    expect((asked.elicit.at(-1) as { requestedSchema?: unknown } | undefined)?.requestedSchema).toMatchObject({
      required: ['name'],
    });
    const url = await client.callTool({
      name: 'trigger-url-elicitation',
      arguments: { url: 'https://example.com/consent', message: 'Open this' },
    });
    expect(text(url)).toMatch(/accept/);
    expect(asked.elicit.at(-1)).toMatchObject({ mode: 'url', url: 'https://example.com/consent' });
    // Roots: the server asks once per session, and the tool shows what it got.
    expect(text(await client.callTool({ name: 'get-roots-list', arguments: {} }))).toContain('file:///work/project');
    expect(asked.roots).toBeGreaterThan(0);
  });

  test('resources: the paginated list, templates, text and blob reads, static documents', async () => {
    const resources = await client.listAllResources();
    expect(resources.length).toBeGreaterThan(0);
    const templates = (await client.listAllResourceTemplates()).map((t) => t.uriTemplate);
    expect(templates).toEqual(
      expect.arrayContaining([
        'demo://resource/dynamic/text/{resourceId}',
        'demo://resource/dynamic/blob/{resourceId}',
      ]),
    );
    expect((await client.readResource({ uri: 'demo://resource/dynamic/text/7' })).contents[0]).toMatchObject({
      uri: 'demo://resource/dynamic/text/7',
      text: expect.any(String),
    });
    expect((await client.readResource({ uri: 'demo://resource/dynamic/blob/7' })).contents[0]).toMatchObject({
      blob: expect.any(String),
    });
    const doc = resources.find((r) => r.uri.startsWith('demo://resource/static/document/'));
    expect(doc).toBeDefined();
    expect((await client.readResource({ uri: doc!.uri })).contents[0]).toMatchObject({ text: expect.any(String) });
  });

  test('prompts and completion', async () => {
    const prompts = (await client.listAllPrompts()).map((p) => p.name);
    expect(prompts).toEqual(
      expect.arrayContaining(['simple-prompt', 'args-prompt', 'completable-prompt', 'resource-prompt']),
    );
    expect((await client.getPrompt({ name: 'simple-prompt' })).messages.length).toBeGreaterThan(0);
    const args = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lyon' } });
    expect(JSON.stringify(args.messages)).toContain('Lyon');
    const withResource = await client.getPrompt({
      name: 'resource-prompt',
      arguments: { resourceType: 'Text', resourceId: '3' },
    });
    expect(withResource.messages.some((m) => (m.content as { type: string }).type === 'resource')).toBe(true);
    const departments = await client.complete({
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'department', value: 'E' },
    });
    expect(departments.completion.values).toContain('Engineering');
    const people = await client.complete({
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'name', value: '' },
      context: { arguments: { department: 'Engineering' } },
    });
    expect(people.completion.values.length).toBeGreaterThan(0);
    const resourceIds = await client.complete({
      ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' },
      argument: { name: 'resourceId', value: '1' },
    });
    expect(Array.isArray(resourceIds.completion.values)).toBe(true);
  });

  test('logging at the level the client set, and resource subscriptions', async () => {
    await client.setLoggingLevel('debug');
    const logged = first<{ level: string }>(
      (l) => client.on('notifications/message', l),
      () => true,
    );
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    expect((await logged).level).toEqual(expect.any(String));
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });

    // resources/subscribe, through listen() as a 2026-07-28 client would write it.
    const uri = 'demo://resource/dynamic/text/1';
    const subscription = await client.listen({ resourceSubscriptions: [uri], toolsListChanged: true });
    expect(subscription.honoured.resourceSubscriptions).toEqual([uri]);
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    expect(await subscription[Symbol.asyncIterator]().next()).toEqual({
      done: false,
      value: { method: 'notifications/resources/updated', uri },
    });
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    subscription.close();
    // And directly.
    await client.subscribeResource('demo://resource/dynamic/text/2');
    await client.unsubscribeResource('demo://resource/dynamic/text/2');
  });

  test('a task-augmented tool call (SEP-1686): created, polled with tasks/get, its result from tasks/result', async () => {
    const created = await client.request('tools/call', {
      name: 'simulate-research-query',
      arguments: { topic: 'actors', ambiguous: false },
      task: { ttl: 60_000 },
    });
    const task = created.task as JsonObject;
    expect(task).toMatchObject({ taskId: expect.any(String), status: 'working' });
    let status = task.status;
    for (let i = 0; i < 300 && status === 'working'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await client.request('tasks/get', { taskId: task.taskId })).status;
    }
    expect(status).toBe('completed');
    const result = await client.request('tasks/result', { taskId: task.taskId });
    expect(JSON.stringify(result.content)).toContain('actors');
  });
});
