/**
 * hostNdjson's `coalescer` option: a session's outbound messages go through it,
 * and what it hands back together leaves in one write, each message still its
 * own line (its own JSON-RPC message), in order; nothing held is lost at close.
 */
import { PassThrough, Writable } from 'node:stream';
import { Node } from '@erlmcp/otp';
import { defineServer, hostNdjson, type OutboundCoalescer } from '../src/server';
import { SessionHost } from '../src/hosting';

const BURST = 200;

function definition() {
  return defineServer({ name: 'burst', version: '1' })
    .tool<{ n: number }>({
      name: 'burst',
      description: 'Sends n progress notifications, then answers',
      inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
      handler: ({ n }, ctx) => {
        for (let i = 1; i <= n; i++) ctx.progress(i, n);
        return { content: [{ type: 'text', text: 'done' }] };
      },
    })
    .build();
}

/** Gathers what one connection submits in one turn of the event loop and writes it at once. */
function turnCoalescer(): OutboundCoalescer & { batches: number } {
  const held = new Map<string, { texts: string[]; write: (texts: readonly string[]) => void }>();
  const self = {
    batches: 0,
    submit(connection: string, text: string, write: (texts: readonly string[]) => void) {
      let entry = held.get(connection);
      if (entry === undefined) {
        entry = { texts: [], write };
        held.set(connection, entry);
        setImmediate(() => void self.flush(connection));
      }
      entry.texts.push(text);
    },
    async flush(connection: string) {
      const entry = held.get(connection);
      if (entry === undefined) return;
      held.delete(connection);
      self.batches++;
      entry.write(entry.texts);
    },
  };
  return self;
}

/** A writable that counts its writes and keeps what it got. */
function countingSink(): { stream: Writable; writes: () => number; text: () => string } {
  let writes = 0;
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes++;
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, writes: () => writes, text: () => text };
}

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
};
const lines = [
  INIT,
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'burst', arguments: { n: BURST }, _meta: { progressToken: 'p' } },
  },
]
  .map((m) => JSON.stringify(m))
  .join('\n');

async function run(coalescer: OutboundCoalescer | undefined) {
  const host = await new SessionHost(definition()).start();
  const input = new PassThrough();
  const sink = countingSink();
  const { transport } = await hostNdjson(host, input, sink.stream, coalescer === undefined ? {} : { coalescer });
  const closed = new Promise<void>((resolve) => transport.onClose(resolve));
  input.end(`${lines}\n`);
  await closed;
  await host.stop();
  const messages = sink
    .text()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { id?: number; method?: string; params?: { progress?: number } });
  return { writes: sink.writes(), messages };
}

let node: Node;
beforeEach(() => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
});
afterEach(() => node.stop());

test('with a coalescer, a burst of notifications leaves in fewer writes, each its own line, in order; the answer is not lost at close', async () => {
  const plain = await run(undefined);
  const coalescer = turnCoalescer();
  const coalesced = await run(coalescer);
  // Without: one write per message (the initialize answer, BURST progress notifications, the answer).
  expect(plain.writes).toBe(BURST + 2);
  expect(coalesced.messages).toEqual(plain.messages);
  expect(
    coalesced.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params!.progress),
  ).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
  expect(coalesced.messages.at(-1)).toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'done' }] } });
  expect(coalesced.writes).toBe(coalescer.batches);
  expect(coalesced.writes).toBeLessThan(10);
});

test('a coalescer whose flush fails still lets the connection close (and nothing becomes an unhandled rejection)', async () => {
  const failing: OutboundCoalescer = {
    submit: (_connection, text, write) => write([text]),
    flush: () => Promise.reject(new Error('flush failed')),
  };
  const { messages } = await run(failing);
  expect(messages.at(-1)).toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'done' }] } });
});
