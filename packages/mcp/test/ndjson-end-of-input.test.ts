import { once } from 'node:events';
import { connect, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { Node } from '@erlmcp/otp';
import { hostNdjson, listenTcp, listenTcpHosted } from '../src/server';
import { SessionHost } from '../src/hosting';
import { fixtureDefinition, fixtureHooks, type FixtureHooks } from './helpers/fixture';

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'eof', version: '1' } },
});
/** The handshake and a call of the fixture's `wait` tool, which answers only once released. */
const LINES = `${INIT}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"wait"}}\n`;
const WAIT_ANSWER = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'released' }] } };

function messages(output: string): unknown[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id?: unknown });
}

/** Resolves once the server has seen the end of `input` and run what it does then (this turn's callbacks and promises). */
async function endSeen(input: NodeJS.EventEmitter): Promise<void> {
  await once(input, 'end');
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Sends the lines and half-closes; once the server has seen that, lets the tool answer:
 * the answer must still arrive before the connection closes.
 */
async function answeredAfterHalfClose(hooks: FixtureHooks, server: Server, port: number): Promise<unknown[]> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const socket = connect(port, '127.0.0.1');
  let output = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const closed = once(socket, 'close');
  const [serverSide] = await accepted;
  await endThenRelease(hooks, serverSide, () => socket.end(LINES), closed);
  return messages(output);
}

/** Ends the input, waits until the server has seen its end, then lets the tool answer; resolves once the connection has closed. */
async function endThenRelease(
  hooks: FixtureHooks,
  input: NodeJS.EventEmitter,
  end: () => void,
  closed: Promise<unknown>,
): Promise<void> {
  const ended = endSeen(input);
  end();
  await hooks.started.promise;
  await ended;
  hooks.release.resolve();
  await closed;
}

describe('end of input: requests already read are still answered', () => {
  let node: Node;
  let hooks: FixtureHooks;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    hooks = fixtureHooks();
  });

  afterEach(async () => {
    await node.stop();
  });

  it('hostNdjson (stdio served as a session process)', async () => {
    const host = await new SessionHost(fixtureDefinition(hooks)).start();
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      let text = '';
      output.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const { transport } = await hostNdjson(host, input, output);
      const closed = new Promise<void>((resolve) => transport.onClose(resolve));
      await endThenRelease(hooks, input, () => input.end(LINES), closed);
      expect(messages(text)).toContainEqual(WAIT_ANSWER);
    } finally {
      await host.stop();
    }
  });

  it('listenTcpHosted: a client that half-closes', async () => {
    const host = await new SessionHost(fixtureDefinition(hooks)).start();
    const tcp = await listenTcpHosted(host);
    try {
      expect(await answeredAfterHalfClose(hooks, tcp.server, tcp.address.port)).toContainEqual(WAIT_ANSWER);
    } finally {
      await tcp.close();
      await host.stop();
    }
  });

  it('listenTcp: a client that half-closes', async () => {
    const tcp = await listenTcp(fixtureDefinition(hooks));
    try {
      expect(await answeredAfterHalfClose(hooks, tcp.server, tcp.address.port)).toContainEqual(WAIT_ANSWER);
    } finally {
      await tcp.close();
    }
  });
});
