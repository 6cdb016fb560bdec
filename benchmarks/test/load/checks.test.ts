import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { runEngine } from '../../src/load/engine';
import { HttpPools, HttpSession } from '../../src/load/http-session';
import { messagesOfBody } from '../../src/load/protocol';
import { Tally } from '../../src/load/tally';
import { WsSession } from '../../src/load/ws-session';

/** How a fake server answers: right, with the wrong content, or to the wrong id. */
type Behaviour = 'right' | 'wrong-content' | 'wrong-id' | 'silent' | 'slow';

interface Rpc {
  id?: number;
  method: string;
  params?: { arguments?: { text?: string }; uri?: string };
}

function answer(rpc: Rpc, behaviour: Behaviour): unknown {
  const id = behaviour === 'wrong-id' && rpc.method !== 'initialize' ? (rpc.id ?? 0) + 1000 : rpc.id;
  switch (rpc.method) {
    case 'initialize':
      return {
        jsonrpc: '2.0',
        id,
        result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'fake', version: '0' } },
      };
    case 'tools/list':
      return { jsonrpc: '2.0', id, result: { tools: [{ name: behaviour === 'wrong-content' ? 'other' : 'echo' }] } };
    case 'tools/call': {
      const text = rpc.params?.arguments?.text ?? '';
      return {
        jsonrpc: '2.0',
        id,
        result: { content: [{ type: 'text', text: behaviour === 'wrong-content' ? `${text}!` : text }] },
      };
    }
    default: {
      const uri = rpc.params?.uri ?? '';
      const n = uri.split('/').pop();
      return {
        jsonrpc: '2.0',
        id,
        result: { contents: [{ uri, text: behaviour === 'wrong-content' ? 'nothing' : `item ${n}` }] },
      };
    }
  }
}

/** A Streamable HTTP look-alike on 127.0.0.1, SSE or JSON replies. */
async function fakeHttp(behaviour: Behaviour, sse: boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      const rpc = JSON.parse(body) as Rpc;
      if (rpc.id === undefined) return void res.writeHead(202).end();
      if (behaviour === 'silent' && rpc.method !== 'initialize') return; // never answers
      const reply = JSON.stringify(answer(rpc, behaviour));
      const headers: Record<string, string> = { 'mcp-session-id': 'fake-session' };
      if (behaviour === 'slow' && rpc.method !== 'initialize') {
        // Right, but after the load generator's timeout (loadHttp's 500 ms).
        setTimeout(() => res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(reply), 900);
        return;
      }
      if (sse)
        res
          .writeHead(200, { ...headers, 'content-type': 'text/event-stream' })
          .end(`event: message\ndata: ${reply}\n\n`);
      else res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

async function loadHttp(
  behaviour: Behaviour,
  sse: boolean,
  rate?: number,
  afterRun?: (tally: Tally) => Promise<void>,
): Promise<Tally> {
  const { url, server } = await fakeHttp(behaviour, sse);
  const pools = new HttpPools(url, 4);
  const tally = new Tally();
  try {
    const sessions = [new HttpSession(0, pools), new HttpSession(1, pools)];
    for (const s of sessions) await s.open();
    await runEngine({ sessions, operations: ['list', 'call', 'read'], durationMs: 300, rate, timeoutMs: 500, tally });
    await afterRun?.(tally);
  } finally {
    // A request never answered holds its connection: end them, then the pools can close.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await pools.close();
  }
  return tally;
}

describe('the load generator checks every answer', () => {
  it.each([true, false])('counts right answers as ok (SSE %s)', async (sse) => {
    const tally = await loadHttp('right', sse);
    expect(tally.counts.sent).toBeGreaterThan(0);
    expect(tally.counts.ok).toBe(tally.counts.sent);
    expect(tally.failedTotal).toBe(0);
    expect([...tally.byOperation.keys()].sort()).toEqual(['call', 'list', 'read']);
  });

  it('counts answers with the wrong content as mismatches, never as ok', async () => {
    const tally = await loadHttp('wrong-content', true);
    expect(tally.counts.sent).toBeGreaterThan(0);
    expect(tally.counts.ok).toBe(0);
    expect(tally.counts.failed.mismatch).toBe(tally.counts.sent);
  });

  it('counts an answer to another id as a mismatch', async () => {
    const tally = await loadHttp('wrong-id', false);
    expect(tally.counts.ok).toBe(0);
    expect(tally.counts.failed.mismatch).toBe(tally.counts.sent);
    expect(tally.samples[0]).toMatch(/answered request/);
  });

  it('counts a request with no answer as lost, and the run still ends', async () => {
    const tally = await loadHttp('silent', false);
    expect(tally.counts.sent).toBeGreaterThan(0);
    expect(tally.counts.failed.lost).toBe(tally.counts.sent);
  });

  it('counts an answer past the timeout as lost, and says it came late', async () => {
    // The late answers arrive after the run: wait for them (bounded) before the server closes.
    const tally = await loadHttp('slow', false, undefined, async (t) => {
      for (let i = 0; i < 50 && t.counts.late < t.counts.sent; i++) await new Promise((r) => setTimeout(r, 100));
    });
    expect(tally.counts.sent).toBeGreaterThan(0);
    expect(tally.counts.ok).toBe(0);
    expect(tally.counts.failed.lost).toBe(tally.counts.sent);
    expect(tally.counts.late).toBe(tally.counts.sent);
  });

  it('open loop: sends on schedule and checks each answer', async () => {
    const tally = await loadHttp('right', true, 200);
    expect(tally.counts.sent).toBeGreaterThan(0);
    expect(tally.counts.sent + tally.counts.dropped).toBeLessThanOrEqual(200 * 0.3 + 1);
    expect(tally.counts.ok).toBe(tally.counts.sent);
  });

  it('over WebSocket: a stray id is a mismatch and its request is lost', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const rpc = JSON.parse((data as Buffer).toString()) as Rpc;
        if (rpc.id !== undefined) ws.send(JSON.stringify(answer(rpc, 'wrong-id')));
      }),
    );
    await new Promise((resolve) => wss.once('listening', resolve));
    const tally = new Tally();
    const session = new WsSession(0, `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, (a) => tally.stray(a));
    try {
      await session.open();
      await runEngine({
        sessions: [session],
        operations: ['call'],
        durationMs: 200,
        rate: undefined,
        timeoutMs: 300,
        tally,
      });
    } finally {
      await session.close();
      await new Promise((resolve) => wss.close(resolve));
    }
    expect(tally.counts.ok).toBe(0);
    expect(tally.counts.failed.lost).toBe(tally.counts.sent);
    expect(tally.counts.strays).toBeGreaterThanOrEqual(tally.counts.sent);
  });
});

describe('messagesOfBody', () => {
  it('reads JSON and SSE bodies', () => {
    expect(messagesOfBody('{"id":1}', 'application/json')).toEqual([{ id: 1 }]);
    expect(messagesOfBody('id: 1\ndata: {"method":"x"}\n\ndata: {"id":2}\n\n', 'text/event-stream')).toEqual([
      { method: 'x' },
      { id: 2 },
    ]);
    expect(() => messagesOfBody('nope', 'application/json')).toThrow();
  });
});
