import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Node } from '@erlmcp/otp';
import { JsonRpcError } from '@erlmcp/mcp';
import { connectHttp, spawnStdioClient, type HttpClient } from '@erlmcp/mcp/client';
import { startGateway, UPSTREAM_CLOSED, type Gateway, type Upstream } from '../src';

// The gateway's upstreams run from compiled code: `npx tsc -b` first (npm test does).
const exampleStdio = path.resolve(__dirname, '../../mcp-server/dist/stdio.js');
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');

/** A stdio upstream that remembers the processes it started, so a test can kill them. */
function recorded(name: string, args: string[]): Upstream & { children: ChildProcess[] } {
  const children: ChildProcess[] = [];
  return {
    name,
    children,
    connect: async () => {
      const conn = await spawnStdioClient({
        command: process.execPath,
        args,
        stderr: 'ignore',
        clientInfo: { name: 'gateway-test', version: '1' },
      });
      children.push(conn.child);
      return conn;
    },
  };
}

let node: Node;
let gateway: Gateway;
let client: HttpClient;
let example: ReturnType<typeof recorded>;
let reference: ReturnType<typeof recorded>;

beforeAll(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  example = recorded('example', [exampleStdio]);
  reference = recorded('everything', [everything, 'stdio']);
  gateway = await startGateway({
    upstreams: [example, reference],
    pool: { min: 1, max: 2 },
    backoff: { initialMs: 10, maxMs: 100 },
    acquireTimeoutMs: 10_000,
  });
  client = await connectHttp({ url: gateway.url, clientInfo: { name: 'gateway-test', version: '1' } });
}, 60_000);
afterAll(async () => {
  await client?.close();
  await gateway?.stop();
  await node?.stop();
});

const text = (result: { content?: unknown[] }) => (result.content as { text?: string }[]).map((c) => c.text).join('');

test('one endpoint serves both upstreams: tools, resources and prompts, names prefixed by upstream', async () => {
  const tools = (await client.client.listAllTools()).map((t) => t.name);
  expect(tools).toEqual(
    expect.arrayContaining(['example_echo', 'example_calculate', 'everything_echo', 'everything_get-sum']),
  );
  expect(text(await client.client.callTool({ name: 'example_echo', arguments: { text: 'hi' } }))).toBe('hi');
  expect(text(await client.client.callTool({ name: 'everything_echo', arguments: { message: 'hi' } }))).toBe(
    'Echo: hi',
  );
  const sum = await client.client.callTool({ name: 'example_calculate', arguments: { op: 'add', a: 2, b: 3 } });
  expect(sum.structuredContent).toEqual({ result: 5 });

  const resources = await client.client.listAllResources();
  const about = resources.find((r) => r.name === 'example_about' || r.uri === 'erlmcp://about');
  expect(about?.name.startsWith('example_')).toBe(true);
  const read = await client.client.readResource({ uri: about!.uri });
  expect(read.contents.length).toBeGreaterThan(0);
  expect(resources.some((r) => r.name.startsWith('everything_'))).toBe(true);

  const prompts = (await client.client.listAllPrompts()).map((p) => p.name);
  expect(prompts).toEqual(expect.arrayContaining(['example_explain_tree', 'everything_simple-prompt']));
  const prompt = await client.client.getPrompt({ name: 'everything_simple-prompt' });
  expect(prompt.messages.length).toBeGreaterThan(0);
});

test('an upstream that dies: its call in flight fails with a clear JSON-RPC error, the other keeps serving, and it comes back', async () => {
  const inFlight = client.client
    .callTool({ name: 'everything_trigger-long-running-operation', arguments: { duration: 30, steps: 30 } })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  await new Promise<void>((resolve) => {
    const poll = () => (gateway.pool('everything').stats().inUse > 0 ? resolve() : setTimeout(poll, 5));
    poll();
  });
  const before = gateway.pool('everything').stats().created;
  for (const child of reference.children) child.kill('SIGKILL');

  const error = await inFlight;
  expect(error).toBeInstanceOf(JsonRpcError);
  expect((error as JsonRpcError).code).toBe(UPSTREAM_CLOSED);
  expect((error as JsonRpcError).message).toMatch(/upstream "everything" closed the connection during tools\/call/);

  // The other upstream never stopped serving.
  expect(text(await client.client.callTool({ name: 'example_echo', arguments: { text: 'still here' } }))).toBe(
    'still here',
  );

  // The dead upstream is reconnected (with backoff) and serves again.
  expect(text(await client.client.callTool({ name: 'everything_echo', arguments: { message: 'back' } }))).toBe(
    'Echo: back',
  );
  expect(gateway.pool('everything').stats().created).toBeGreaterThan(before);
});
