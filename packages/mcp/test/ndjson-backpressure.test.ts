import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { Node } from '@erlmcp/otp';
import { LineSplitter, type NdjsonTransport, OutboundOverflowError } from '@erlmcp/mcp';
import { connectTcp } from '../src/client';
import { listenTcp, listenTcpHosted, serveStdio } from '../src/server';
import { SessionHost } from '../src/hosting';
import { backpressureDefinition, callLine, eventually, INIT_LINE, INITIALIZED_LINE } from './helpers/backpressure';

const HIGH_WATER = 64 * 1024;
const MAX = 1024 * 1024;

/** A server under test, unhosted (listenTcp) or hosted (listenTcpHosted), and its transports. */
interface Served {
  port: number;
  /** The transport of the n-th connection accepted, once it exists. */
  transport(n: number): Promise<NdjsonTransport>;
  errors: Error[];
  close(): Promise<void>;
}

async function serveUnhosted(): Promise<Served> {
  const transports: NdjsonTransport[] = [];
  const errors: Error[] = [];
  const server = await listenTcp(backpressureDefinition(), {
    outboundHighWaterBytes: HIGH_WATER,
    maxOutboundBytes: MAX,
    onError: (error) => errors.push(error),
    onSession: (_session, _socket, transport) => transports.push(transport),
  });
  return {
    port: server.address.port,
    transport: async (n) => {
      await eventually(() => transports.length > n);
      return transports[n];
    },
    errors,
    close: () => server.close(),
  };
}

async function serveHosted(): Promise<Served> {
  const node = Node.start({ schedulers: 1, logLevel: 'silent' });
  const host = await new SessionHost(backpressureDefinition()).start();
  const errors: Error[] = [];
  const server = await listenTcpHosted(host, {
    outboundHighWaterBytes: HIGH_WATER,
    maxOutboundBytes: MAX,
    onError: (error) => errors.push(error),
  });
  const seen: NdjsonTransport[] = [];
  return {
    port: server.address.port,
    transport: async (n) => {
      await eventually(() => {
        for (const connection of server.connections)
          if (!seen.includes(connection.transport)) seen.push(connection.transport);
        return seen.length > n;
      });
      return seen[n];
    },
    errors,
    close: async () => {
      await server.close();
      await host.stop();
      await node.stop();
    },
  };
}

/** A raw NDJSON client that can stop reading. */
interface RawClient {
  socket: Socket;
  /** Parsed messages received so far. */
  received: Record<string, unknown>[];
  closed: Promise<void>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  const received: Record<string, unknown>[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: 1 << 20,
    onLine: (line) => received.push(JSON.parse(line) as Record<string, unknown>),
    onOversize: () => undefined,
  });
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`${INIT_LINE}\n`);
  await eventually(() => received.length === 1);
  socket.write(`${INITIALIZED_LINE}\n`);
  return { socket, received, closed };
}

/** Samples the transport a number of times across timer turns: the buffer never passes the cap. */
async function bufferStaysBounded(transport: NdjsonTransport): Promise<void> {
  for (let i = 0; i < 20; i++) {
    expect(transport.bufferedBytes).toBeLessThanOrEqual(MAX);
    expect(transport.readingPaused).toBe(true);
    expect(transport.isClosed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each([
  ['listenTcp', serveUnhosted],
  ['listenTcpHosted', serveHosted],
])('NDJSON over TCP (%s): a client that stops reading', (_name, serve) => {
  let served: Served;

  beforeEach(async () => {
    served = await serve();
  });

  afterEach(async () => {
    await served.close();
  });

  it('stops reading its requests while its answers wait unread, keeps the buffer bounded, and loses nothing', async () => {
    const client = await rawClient(served.port);
    const transport = await served.transport(0);
    client.socket.pause();
    // About 30 MB of answers: more than the kernel's socket buffers take.
    const calls = 1000;
    client.socket.write(Array.from({ length: calls }, (_, i) => `${callLine(i + 1, 'blob')}\n`).join(''));
    await eventually(() => transport.readingPaused);
    await bufferStaysBounded(transport);

    // Another client is served meanwhile.
    const other = await connectTcp({ port: served.port, clientInfo: { name: 'bystander', version: '1' } });
    expect(await other.client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toEqual({
      content: [{ type: 'text', text: 'still here' }],
    });
    other.close();

    // Reading again, the client gets every answer, once each and in order.
    client.socket.resume();
    await eventually(() => client.received.length === calls + 1);
    expect(client.received.slice(1).map((message) => message.id)).toEqual(
      Array.from({ length: calls }, (_, i) => i + 1),
    );
    await eventually(() => !transport.readingPaused);
    expect(transport.isClosed).toBe(false);
    expect(served.errors).toEqual([]);
    client.socket.destroy();
  }, 60_000);

  it('closes the connection with OutboundOverflowError when output it did not ask for passes the hard cap', async () => {
    const client = await rawClient(served.port);
    const transport = await served.transport(0);
    client.socket.pause();
    client.socket.write(`${callLine(1, 'flood')}\n`);
    await eventually(() => transport.isClosed);
    expect(transport.closeReason).toBeInstanceOf(OutboundOverflowError);
    expect((transport.closeReason as OutboundOverflowError).limit).toBe(MAX);
    expect(served.errors).toEqual([transport.closeReason]);
    // Its buffer was let go with the connection.
    expect(transport.bufferedBytes).toBe(0);

    const other = await connectTcp({ port: served.port, clientInfo: { name: 'bystander', version: '1' } });
    expect(await other.client.callTool({ name: 'echo', arguments: { text: 'unaffected' } })).toEqual({
      content: [{ type: 'text', text: 'unaffected' }],
    });
    other.close();
    client.socket.resume();
    await client.closed;
  }, 60_000);
});

describe('NDJSON over in-process streams: end of input while paused', () => {
  it('requests held back while the output was full are still answered, in order, before the transport closes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = serveStdio(backpressureDefinition(), { stdin, stdout, outboundHighWaterBytes: 0 });
    const calls = 40;
    // Everything at once, then end of input; nobody reads stdout yet.
    stdin.end(
      [INIT_LINE, INITIALIZED_LINE, ...Array.from({ length: calls }, (_, i) => callLine(i + 1, 'blob'))]
        .map((line) => `${line}\n`)
        .join(''),
    );
    await eventually(() => server.transport.readingPaused);
    expect(server.session.state).not.toBe('closed');
    const received: Record<string, unknown>[] = [];
    const splitter = new LineSplitter({
      maxLineBytes: 1 << 20,
      onLine: (line) => received.push(JSON.parse(line) as Record<string, unknown>),
      onOversize: () => undefined,
    });
    stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
    await server.closed;
    await eventually(() => received.length === calls + 1);
    expect(received.map((message) => message.id)).toEqual(Array.from({ length: calls + 1 }, (_, i) => i));
    expect(server.transport.closeReason).toBeUndefined();
  }, 60_000);

  it('rejects limits that make no sense with a RangeError', () => {
    expect(() =>
      serveStdio(backpressureDefinition(), {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        outboundHighWaterBytes: 10,
        maxOutboundBytes: 5,
      }),
    ).toThrow(RangeError);
  });
});
