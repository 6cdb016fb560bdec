import fs from 'node:fs';
import path from 'node:path';
import { GenServer, Node, reply, Supervisor, whereis } from '@erlmcp/otp';
import { connectHttp } from '../src/client';
import { defineServer } from '../src/server';
import { listenHttp } from '../src/hosting';
import { deferred } from './helpers/fixture';
import { startCounting } from './readme/supervised-http';

const README = path.join(__dirname, '..', 'README.md');
const EXAMPLE = path.join(__dirname, 'readme', 'supervised-http.ts');

describe('the README example: an MCP server as an application, its HTTP listener a child', () => {
  test('the README shows the compiled example file as it is', () => {
    const example = fs.readFileSync(EXAMPLE, 'utf8').replace(/\n$/, '');
    expect(fs.readFileSync(README, 'utf8')).toContain(`\`\`\`ts\n${example}\n\`\`\``);
  });

  test('runs: the tools answer over HTTP, and stopping the application closes the port', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    try {
      const app = await startCounting(0);
      const url = (await GenServer.call('http_listener', 'url')) as string;
      const { client, close } = await connectHttp({ url, clientInfo: { name: 'readme', version: '1' } });
      expect(await client.callTool({ name: 'add', arguments: { n: 2 } })).toEqual({
        content: [{ type: 'text', text: '2' }],
      });
      expect(await client.callTool({ name: 'add', arguments: { n: 1_000_000 } })).toEqual({
        content: [{ type: 'text', text: 'the total would pass 1,000,000' }],
        isError: true,
      });
      expect(await client.callTool({ name: 'add', arguments: { n: 3 } })).toEqual({
        content: [{ type: 'text', text: '5' }],
      });
      await close();
      await app.stop();
      expect(whereis('http_listener')).toBeUndefined();
      await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
    } finally {
      await node.stop();
    }
  });
});

describe('what the README says of a worker that crashes', () => {
  test('calls queued behind the crashing call fail with its reason; each tool call is an isError result; the session and, once restarted, the worker serve on', async () => {
    const node = Node.start({ schedulers: 1, logLevel: 'silent' });
    const crashNow = deferred();
    let started = 0;
    const fragile = GenServer.define({
      name: 'fragile',
      init: () => ({ kind: 'ok' as const, state: 0 }),
      handleCall: async (request: string, _from, state: number) => {
        if (request === 'boom') {
          started++;
          await crashNow.promise;
          throw new Error('boom in the worker');
        }
        return reply(`done ${request}`, state);
      },
    });
    const definition = defineServer({ name: 'fragile', version: '1' })
      .tool<{ request: string }>({
        name: 'ask',
        inputSchema: { type: 'object', properties: { request: { type: 'string' } }, required: ['request'] },
        // No catch: the handler's throw (a CallExitError) becomes the tool's error result.
        handler: async ({ request }) => ({
          content: [{ type: 'text', text: (await GenServer.call('fragile', request)) as string }],
        }),
      })
      .build();
    await Supervisor.start({
      strategy: 'one_for_one',
      intensity: 3,
      period: 5,
      children: [GenServer.childSpec('fragile', fragile, undefined, { name: 'fragile' })],
    });
    const server = await listenHttp(definition);
    const { client, close } = await connectHttp({ url: server.url, clientInfo: { name: 'readme', version: '1' } });
    try {
      const crashing = client.callTool({ name: 'ask', arguments: { request: 'boom' } });
      while (started === 0) await new Promise((resolve) => setImmediate(resolve));
      // These wait in the worker's mailbox while it holds the crashing call.
      const queued = [
        client.callTool({ name: 'ask', arguments: { request: 'a' } }),
        client.callTool({ name: 'ask', arguments: { request: 'b' } }),
      ];
      await new Promise((resolve) => setImmediate(resolve));
      crashNow.resolve();
      for (const result of await Promise.all([crashing, ...queued])) {
        expect(result).toEqual({
          content: [
            {
              type: 'text',
              text: expect.stringMatching(/exited during call: crash in handleCall: boom in the worker$/),
            },
          ],
          isError: true,
        });
      }
      // Restarted by its supervisor (new mailbox): the next call is served.
      let answer: unknown;
      for (let attempt = 0; attempt < 100; attempt++) {
        answer = await client.callTool({ name: 'ask', arguments: { request: 'c' } });
        if (!(answer as { isError?: boolean }).isError) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(answer).toEqual({ content: [{ type: 'text', text: 'done c' }] });
    } finally {
      await close();
      await server.close();
      await node.stop();
    }
  });
});
