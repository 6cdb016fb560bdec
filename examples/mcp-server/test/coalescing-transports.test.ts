/**
 * Write coalescing on every transport (NDJSON over TCP, Streamable HTTP SSE, WebSocket):
 * the socket writes of 1,000 progress notifications with and without a coalescer, each
 * notification still its own message, in order, the answer last; an answer never waits for
 * a window; one session's window never holds or releases another's messages.
 *
 * The counted runs use a coalescer with no window at all (`count` strategy, no cap reached):
 * it releases what it holds only with an answer, so the counts do not depend on how fast
 * the machine is, and an answer that waited for the window would never arrive.
 */
import { Node } from '@erlmcp/otp';
import { SessionHost } from '@erlmcp/mcp/hosting';
import { WriteCoalescer } from '@erlmcp/message-batcher';
import { definition, gates, progressOf, serve, TRANSPORTS, type Transport } from './transport-writes';

const COUNT = 1000;

let node: Node;
let host: SessionHost;
beforeEach(async () => {
  node = Node.start({ schedulers: 1, logLevel: 'silent' });
  host = await new SessionHost(definition).start();
});
afterEach(async () => {
  await host.stop();
  await node.stop();
});

/** Only an answer (or flush/stop) releases what it holds. */
function noWindow(): WriteCoalescer {
  return new WriteCoalescer({ strategy: 'count', maxItems: 100_000 });
}

async function countedCall(transport: Transport, coalescer: WriteCoalescer | undefined) {
  await coalescer?.start();
  const served = await serve(transport, host, coalescer);
  try {
    const client = await served.client();
    const before = served.writes.count;
    const messages = await client.run(COUNT, 't');
    const writes = served.writes.count - before;
    client.close();
    return { writes, messages };
  } finally {
    await served.close();
    await coalescer?.stop();
  }
}

describe.each(TRANSPORTS)('%s', (transport) => {
  test('1,000 notifications leave in a few socket writes with the coalescer, each its own message, in order, the answer last', async () => {
    const plain = await countedCall(transport, undefined);
    const coalesced = await countedCall(transport, noWindow());
    const expected = Array.from({ length: COUNT }, (_, i) => i + 1);
    for (const run of [plain, coalesced]) {
      expect(progressOf(run.messages, 't')).toEqual(expected);
      expect(run.messages).toHaveLength(COUNT + 1);
      expect(run.messages.at(-1)).toMatchObject({ id: 1, result: { content: [{ text: `stepped to ${COUNT}` }] } });
    }
    // Without it each notification, made in its own turn, is a write of its own (fewer only
    // when the socket backs up and node gathers what waits); with it the answer releases all.
    expect(plain.writes).toBeGreaterThanOrEqual(COUNT / 10);
    expect(coalesced.writes).toBeLessThanOrEqual(4);
  });

  test("one session's answer releases its own messages only; the other's wait for its own answer", async () => {
    const coalescer = noWindow();
    await coalescer.start();
    const served = await serve(transport, host, coalescer);
    let produced!: () => void;
    const gateProduced = new Promise<void>((resolve) => (produced = resolve));
    let open!: () => void;
    gates.set(`gate-${transport}`, { produced, open: new Promise<void>((resolve) => (open = resolve)) });
    try {
      const [a, b] = [await served.client(), await served.client()];
      const bDone = b.run(50, 'b', `gate-${transport}`);
      await gateProduced; // b's 50 notifications were sent; its answer waits for the gate
      const aMessages = await a.run(200, 'a');
      expect(progressOf(aMessages, 'a')).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(progressOf(aMessages, 'b')).toEqual([]);
      // Held for b until b answers: a's answer closed a's window, not b's. (An SSE stream opens
      // at the end of its POST's turn, with the events made by then: those left with its head.)
      expect(progressOf(b.received, 'b').length).toBeLessThan(transport === 'http_sse' ? 50 : 1);
      expect(b.received.filter((m) => m.id === 1 || progressOf([m], 'b').length === 0)).toEqual([]);
      open();
      const bMessages = await bDone;
      expect(progressOf(bMessages, 'b')).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(progressOf(bMessages, 'a')).toEqual([]);
      expect(bMessages.at(-1)).toMatchObject({ id: 1 });
      a.close();
      b.close();
    } finally {
      gates.delete(`gate-${transport}`);
      await served.close();
      await coalescer.stop();
    }
  });
});

test('with the default (adaptive) coalescer every message still arrives, in order, the answer last', async () => {
  for (const transport of TRANSPORTS) {
    const { messages } = await countedCall(transport, new WriteCoalescer());
    expect(progressOf(messages, 't')).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(messages.at(-1)).toMatchObject({ id: 1 });
  }
});
