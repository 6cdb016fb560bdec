import { connectTcp, listenTcp } from '@erlmcp/mcp';
import { backpressureDefinition, eventually } from './helpers/backpressure';

// A client's input is answers; reading them is what lets the server's output drain, and so
// lets the server read the client's requests again. A client that stopped reading because
// its own requests wait unread would wait on a server that waits on it.

describe('NDJSON client: many large requests at once', () => {
  it('keeps reading answers while its requests wait unread, so every call completes', async () => {
    const server = await listenTcp(backpressureDefinition(), { outboundHighWaterBytes: 64 * 1024 });
    const { client, socket, close } = await connectTcp({ port: server.address.port, clientInfo: { name: 'bulk', version: '1' } });
    try {
      // 16 MiB each way: more than the kernel's socket buffers take.
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
      // Closing below rejects calls still waiting; the assertions here report the failure.
      all.catch(() => undefined);
      // A client that pauses its socket here can never be answered: fail rather than hang.
      await eventually(() => done === calls || socket.isPaused());
      expect(socket.isPaused()).toBe(false);
      const results = await all;
      expect(results.every((result) => (result.content[0] as { text: string }).text === text)).toBe(true);
    } finally {
      close();
      await server.close();
    }
  }, 60_000);
});
