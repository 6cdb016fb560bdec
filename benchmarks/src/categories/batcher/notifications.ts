/**
 * notification_coalescing and notification_rate: an MCP session hosted over a
 * real TCP socket (hostNdjson) calls the example's kind of `count` tool, which
 * sends one progress notification per step. Ours: the session's writes go
 * through a WriteCoalescer (a Batcher); peer: one socket write per message.
 * Writes are counted on the server's socket; the rate is notifications over
 * the time from sending the call to reading its answer.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Node } from '@erlmcp/otp';
import { defineServer, hostNdjson } from '@erlmcp/mcp/server';
import { SessionHost } from '@erlmcp/mcp/hosting';
import { WriteCoalescer } from '@erlmcp/message-batcher';
import type { Measurement } from '../../harness/types';

const definition = defineServer({ name: 'count', version: '1' })
  .tool<{ to: number }>({
    name: 'count',
    description: 'Counts to `to`, with a progress notification at each step',
    inputSchema: { type: 'object', properties: { to: { type: 'integer' } }, required: ['to'] },
    handler: ({ to }, ctx) => {
      for (let i = 1; i <= to; i++) ctx.progress(i, to);
      return { content: [{ type: 'text', text: 'done' }] };
    },
  })
  .build();

async function run(count: number, coalesce: boolean): Promise<{ writes: number; ms: number }> {
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  const coalescer = coalesce ? new WriteCoalescer() : undefined;
  await coalescer?.start();
  const host = await new SessionHost(definition).start();
  let writes = 0;
  const server = createServer((socket: Socket) => {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      writes++;
      return write(...args);
    }) as Socket['write'];
    void hostNdjson(host, socket, socket, coalescer === undefined ? {} : { coalescer });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  let buffered = '';
  let answered: () => void;
  const done = new Promise<void>((resolve) => (answered = resolve));
  const initialized = new Promise<void>((resolve) => {
    client.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.includes('"id":0,')) resolve();
      if (buffered.includes('"id":1,"result"')) answered();
    });
  });
  const send = (m: unknown) => client.write(JSON.stringify(m) + '\n');
  send({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await initialized;
  const before = writes;
  const start = performance.now();
  send({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'count', arguments: { to: count }, _meta: { progressToken: 'p' } },
  });
  await done;
  const ms = performance.now() - start;
  const progress = buffered.split('\n').filter((l) => l.includes('notifications/progress')).length;
  if (progress !== count) throw new Error(`expected ${count} progress notifications, read ${progress}`);
  client.destroy();
  server.close();
  await host.stop();
  await coalescer?.stop();
  await node.stop();
  return { writes: writes - before, ms };
}

/** Socket writes per 1,000 notifications (the answer's write included). */
export const writes =
  (coalesce: boolean) =>
  async (count: number): Promise<Measurement> => ({ value: ((await run(count, coalesce)).writes * 1000) / count });

/** Notifications per second, from the call sent to its answer read. */
export const rate =
  (coalesce: boolean) =>
  async (count: number): Promise<Measurement> => {
    const { ms } = await run(count, coalesce);
    return { value: count / (ms / 1000) };
  };
