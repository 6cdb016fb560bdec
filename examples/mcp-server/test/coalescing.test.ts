/**
 * The stdio path of the example: a session's writes go through the app's
 * batcher, so a burst of progress notifications leaves in a few writes, each
 * notification still its own JSON-RPC line, in order, the answer last.
 */
import { PassThrough, Writable } from 'node:stream';
import { Node } from '@erlmcp/otp';
import { hostNdjson } from '@erlmcp/mcp/server';
import { startMcpServer } from '../src/app';

const COUNT = 1000;

async function countOverStdio(
  coalesce: boolean,
): Promise<{ writes: number; messages: { id?: number; method?: string; params?: { progress?: number } }[] }> {
  const server = await startMcpServer({ http: false });
  const input = new PassThrough();
  let writes = 0;
  let text = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes++;
      text += chunk.toString('utf8');
      done();
    },
  });
  const { transport } = await hostNdjson(server.host, input, output, coalesce ? { coalescer: server.outbound } : {});
  const closed = new Promise<void>((resolve) => transport.onClose(resolve));
  const lines = [
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'count', arguments: { to: COUNT }, _meta: { progressToken: 'c' } },
    },
  ];
  input.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await closed;
  await server.stop();
  return {
    writes,
    messages: text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l)),
  };
}

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(() => node.stop());

test('a burst of progress notifications leaves in a few writes through the batcher, in order, the answer last', async () => {
  const plain = await countOverStdio(false);
  const coalesced = await countOverStdio(true);
  expect(plain.writes).toBe(COUNT + 2);
  expect(coalesced.messages).toEqual(plain.messages);
  const progress = coalesced.messages
    .filter((m) => m.method === 'notifications/progress')
    .map((m) => m.params!.progress);
  expect(progress).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  expect(coalesced.messages.at(-1)).toMatchObject({
    id: 1,
    result: { content: [{ type: 'text', text: `counted to ${COUNT}` }] },
  });
  expect(coalesced.writes).toBeLessThanOrEqual(10);
});
