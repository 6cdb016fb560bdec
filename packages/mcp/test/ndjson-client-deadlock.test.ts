import { type ClientSession, connectTcp, spawnStdioClient } from '../src/client';
import { listenTcp } from '../src/server';
import { tsFixture } from './helpers/child';
import { backpressureDefinition, eventually } from './helpers/backpressure';

// A client's input is answers; reading them is what lets the server's output drain, and so
// lets the server read the client's requests again. A client that stopped reading because
// its own requests wait unread would wait on a server that waits on it.

/**
 * Sends 64 echo calls of 256 KiB at once (16 MiB each way, more than the kernel's buffers
 * take) and checks every answer. `reading` says whether the client still reads its input;
 * once it does not, no answer can come, so that fails at once rather than hanging.
 */
async function manyLargeCalls(client: ClientSession, reading: () => boolean): Promise<void> {
  const calls = 64;
  const text = 'x'.repeat(256 * 1024);
  let done = 0;
  const all = Promise.all(
    Array.from({ length: calls }, () =>
      client.callTool({ name: 'echo', arguments: { text } }).then((result) => {
        done++;
        return result;
      }),
    ),
  );
  // Closing after a failure rejects the calls still waiting; the assertions report it.
  all.catch(() => undefined);
  await eventually(() => done === calls || !reading());
  expect(reading()).toBe(true);
  const results = await all;
  expect(results.every((result) => (result.content[0] as { text: string }).text === text)).toBe(true);
}

describe('NDJSON clients: many large requests at once', () => {
  it('connectTcp keeps reading answers while its requests wait unread, so every call completes', async () => {
    const server = await listenTcp(backpressureDefinition(), { outboundHighWaterBytes: 64 * 1024 });
    const { client, socket, close } = await connectTcp({
      port: server.address.port,
      clientInfo: { name: 'bulk', version: '1' },
    });
    try {
      await manyLargeCalls(client, () => !socket.isPaused());
    } finally {
      close();
      await server.close();
    }
  }, 60_000);

  it("spawnStdioClient keeps reading the child's stdout while its stdin is full, so every call completes", async () => {
    const { client, child, close } = await spawnStdioClient({
      ...tsFixture('stdio-server.ts'),
      clientInfo: { name: 'bulk', version: '1' },
      stderr: 'inherit',
    });
    try {
      await manyLargeCalls(client, () => !child.stdout.isPaused());
    } finally {
      await close();
    }
  }, 60_000);
});
