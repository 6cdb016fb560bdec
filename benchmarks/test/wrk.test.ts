import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import {
  assertAllRight,
  parseWrkOutput,
  runWrk,
  WrkFailedError,
  WrkMissingError,
  WrkOutputError,
  type WrkResult,
  wrkFailures,
} from '../src/categories/mcp/wrk';
import { luaString, WRK_RESULT_MARKER, type WrkRequest, wrkScript } from '../src/categories/mcp/wrk-script';

// wrk (the Debian package; .ci/run installs it) against fake servers on 127.0.0.1: the
// script's response() check must count every wrong answer a server sends on purpose.

const RIGHT = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello"}]}}';
/** Quotes, a backslash, a newline, `]]`, a digit right after a quote, and non-ASCII text. */
const BODY = '{"text":"a \\"quoted\\" ]] \\\\ back\\nslash","n":"2","é":"☃ 😀"}';
const REQUEST: WrkRequest = {
  method: 'POST',
  path: '/mcp',
  headers: { 'content-type': 'application/json', 'mcp-method': 'tools/call', 'x-odd': 'say "hi" \\ there' },
  body: BODY,
  status: 200,
  expect: '"result":{"content":[{"type":"text","text":"hello"}]',
  reject: '"error"',
};

/** A server whose n-th answer (from 1) `answer` picks; it counts what it sent and keeps what it got. */
interface Fake {
  url: string;
  sent: { right: number; wrongStatus: number; wrongBody: number; errorBody: number };
  bodies: Set<string>;
  headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}

type Answer = 'right' | 'wrongStatus' | 'wrongBody' | 'errorBody';

async function fakeServer(answer: (n: number) => Answer): Promise<Fake> {
  const sent = { right: 0, wrongStatus: 0, wrongBody: 0, errorBody: 0 };
  const bodies = new Set<string>();
  const headers: IncomingHttpHeaders[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.add(Buffer.concat(chunks).toString('utf8'));
      if (headers.length < 3) headers.push(req.headers);
      const kind = answer(++n);
      sent[kind]++;
      const status = kind === 'wrongStatus' ? 500 : 200;
      const text =
        kind === 'wrongBody'
          ? '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"bye"}]}}'
          : kind === 'errorBody'
            ? RIGHT.slice(0, -1) + ',"error":{"code":-32603,"message":"x"}}'
            : RIGHT;
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    sent,
    bodies,
    headers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CONNECTIONS = 4;

describe('wrk with the checking script', () => {
  test('right answers: none counted wrong, every one checked, the body and headers arrive as given', async () => {
    const fake = await fakeServer(() => 'right');
    try {
      const result = await runWrk({ url: fake.url, request: REQUEST, connections: CONNECTIONS, seconds: 1 });
      expect(result.requests).toBeGreaterThan(0);
      expect(result.checked).toBe(result.requests);
      expect(result.wrong).toBe(0);
      expect(wrkFailures(result)).toBe(0);
      expect(() => assertAllRight(result, 'right')).not.toThrow();
      expect([...fake.bodies]).toEqual([BODY]);
      expect(fake.headers[0]).toMatchObject({ 'mcp-method': 'tools/call', 'x-odd': 'say "hi" \\ there' });
      expect(result.cpuTicks.user).toBeGreaterThanOrEqual(0);
      expect(result.cpuTicks.system).toBeGreaterThanOrEqual(0);
    } finally {
      await fake.close();
    }
  }, 30_000);

  test('a server that answers wrong on purpose: every wrong answer read is counted, and the run fails', async () => {
    // 1 right, then a wrong status, a wrong body, an error body, and again.
    const kinds: Answer[] = ['right', 'wrongStatus', 'wrongBody', 'errorBody'];
    const fake = await fakeServer((n) => kinds[(n - 1) % kinds.length]!);
    try {
      const result = await runWrk({ url: fake.url, request: REQUEST, connections: CONNECTIONS, seconds: 1 });
      const sentWrong = fake.sent.wrongStatus + fake.sent.wrongBody + fake.sent.errorBody;
      const sentAll = sentWrong + fake.sent.right;
      // wrk stops with at most one answer per connection sent but not read.
      expect(result.requests).toBeLessThanOrEqual(sentAll);
      expect(result.requests).toBeGreaterThanOrEqual(sentAll - CONNECTIONS);
      expect(result.wrong).toBeLessThanOrEqual(sentWrong);
      expect(result.wrong).toBeGreaterThanOrEqual(sentWrong - CONNECTIONS);
      expect(result.errors.status).toBeLessThanOrEqual(fake.sent.wrongStatus);
      expect(result.errors.status).toBeGreaterThanOrEqual(fake.sent.wrongStatus - CONNECTIONS);
      expect(result.checked).toBe(result.requests);
      expect(wrkFailures(result)).toBe(result.wrong);
      if (result.wrong > 0) {
        expect(() => assertAllRight(result, 'fake')).toThrow(WrkFailedError);
        expect(result.firstWrong).not.toBe('');
      }
    } finally {
      await fake.close();
    }
  }, 30_000);

  test('only wrong answers: all of them counted', async () => {
    const fake = await fakeServer((n) => (n % 2 === 0 ? 'wrongBody' : 'errorBody'));
    try {
      const result = await runWrk({ url: fake.url, request: REQUEST, connections: CONNECTIONS, seconds: 1 });
      expect(result.requests).toBeGreaterThan(0);
      expect(result.wrong).toBe(result.requests);
      expect(result.firstWrong).toMatch(/^200 \{"jsonrpc"/);
      expect(() => assertAllRight(result, 'fake')).toThrow(/failed requests/);
    } finally {
      await fake.close();
    }
  }, 30_000);

  test('no server: the connect errors fail the run', async () => {
    const fake = await fakeServer(() => 'right');
    const url = fake.url;
    await fake.close();
    // wrk exits with an error when it cannot connect at all.
    await expect(runWrk({ url, request: REQUEST, connections: 1, seconds: 1 })).rejects.toThrow(WrkOutputError);
  }, 30_000);

  test('pipelined under SCHED_BATCH: every answer of every batch checked, wrong ones counted', async () => {
    const kinds: Answer[] = ['right', 'right', 'wrongBody', 'right', 'errorBody'];
    const fake = await fakeServer((n) => kinds[(n - 1) % kinds.length]!);
    try {
      const result = await runWrk({
        url: fake.url,
        request: REQUEST,
        connections: CONNECTIONS,
        seconds: 1,
        pipeline: 3,
        batchScheduling: true,
      });
      const sentWrong = fake.sent.wrongBody + fake.sent.errorBody;
      const sentAll = sentWrong + fake.sent.right;
      expect(result.requests).toBeGreaterThan(0);
      expect(result.checked).toBe(result.requests);
      // wrk stops with at most one batch per connection sent but not read.
      expect(result.requests).toBeLessThanOrEqual(sentAll);
      expect(result.requests).toBeGreaterThanOrEqual(sentAll - 3 * CONNECTIONS);
      expect(result.wrong).toBeLessThanOrEqual(sentWrong);
      expect(result.wrong).toBeGreaterThanOrEqual(sentWrong - 3 * CONNECTIONS);
      expect([...fake.bodies]).toEqual([BODY]);
    } finally {
      await fake.close();
    }
  }, 30_000);

  test('a pipelining depth that is not a whole number from 1 to 1000: RangeError', () => {
    for (const pipeline of [0, 1.5, 1001, NaN]) expect(() => wrkScript(REQUEST, pipeline)).toThrow(RangeError);
    expect(wrkScript(REQUEST, 1)).not.toMatch(/function request\(\)/);
    expect(wrkScript(REQUEST, 4)).toMatch(/string\.rep\(wrk\.format\(\), 4\)/);
  });

  test('no wrk: a WrkMissingError, not a silent skip', async () => {
    await expect(
      runWrk({
        url: 'http://127.0.0.1:1/mcp',
        request: REQUEST,
        connections: 1,
        seconds: 1,
        binary: '/nonexistent/wrk',
      }),
    ).rejects.toThrow(WrkMissingError);
    // Under chrt, which runs and then cannot find wrk.
    await expect(
      runWrk({
        url: 'http://127.0.0.1:1/mcp',
        request: REQUEST,
        connections: 1,
        seconds: 1,
        binary: '/nonexistent/wrk',
        batchScheduling: true,
      }),
    ).rejects.toThrow(WrkMissingError);
  });
});

const SAMPLE: WrkResult = {
  requests: 10,
  checked: 10,
  wrong: 0,
  durationUs: 1_000_000,
  errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
  latencyUs: { p50: 100, p90: 200, p99: 300, max: 400 },
  cpuTicks: { user: 3, system: 4 },
  firstWrong: '',
};

describe('parseWrkOutput', () => {
  const output = (line: string): string =>
    `Running 1s test @ http://127.0.0.1:1/mcp\n  10 requests in 1.00s\nRequests/sec: 10\n\n${line}\n`;

  test('reads the result line among wrk’s own text', () => {
    expect(parseWrkOutput(output(WRK_RESULT_MARKER + JSON.stringify(SAMPLE)))).toEqual(SAMPLE);
  });

  test('takes the last result line', () => {
    const later = { ...SAMPLE, requests: 20, checked: 20 };
    const text = output(WRK_RESULT_MARKER + JSON.stringify(SAMPLE)) + WRK_RESULT_MARKER + JSON.stringify(later);
    expect(parseWrkOutput(text).requests).toBe(20);
  });

  test('no result line (the script did not run), not JSON, a field missing or not a number: WrkOutputError', () => {
    expect(() => parseWrkOutput(output('Requests/sec: 10'))).toThrow(WrkOutputError);
    expect(() => parseWrkOutput(output(WRK_RESULT_MARKER + '{"requests":'))).toThrow(WrkOutputError);
    const { errors: _errors, ...noErrors } = SAMPLE;
    expect(() => parseWrkOutput(output(WRK_RESULT_MARKER + JSON.stringify(noErrors)))).toThrow(/errors is missing/);
    const badLatency = { ...SAMPLE, latencyUs: { ...SAMPLE.latencyUs, p99: 'x' } };
    expect(() => parseWrkOutput(output(WRK_RESULT_MARKER + JSON.stringify(badLatency)))).toThrow(/p99/);
    expect(() => parseWrkOutput(output(WRK_RESULT_MARKER + JSON.stringify({ ...SAMPLE, durationUs: 0 })))).toThrow(
      WrkOutputError,
    );
  });

  test('every kind of failure counts, and answers the check did not see', () => {
    expect(wrkFailures(SAMPLE)).toBe(0);
    expect(wrkFailures({ ...SAMPLE, wrong: 2 })).toBe(2);
    expect(wrkFailures({ ...SAMPLE, checked: 7 })).toBe(3);
    for (const kind of ['connect', 'read', 'write', 'timeout'] as const) {
      const result = { ...SAMPLE, errors: { ...SAMPLE.errors, [kind]: 1 } };
      expect(wrkFailures(result)).toBe(1);
      expect(() => assertAllRight(result, 'x')).toThrow(WrkFailedError);
    }
  });
});

describe('luaString', () => {
  /** Lua's reading of the literal: `\ddd` is one byte. */
  const unLua = (literal: string): Buffer => {
    const inner = literal.slice(1, -1);
    const bytes: number[] = [];
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === '\\') {
        bytes.push(Number(inner.slice(i + 1, i + 4)));
        i += 3;
      } else bytes.push(inner.charCodeAt(i));
    }
    return Buffer.from(bytes);
  };

  test('printable ASCII only, no bare quote or backslash, and the same bytes back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const literal = luaString(text);
        expect(literal).toMatch(/^"([\x20-\x21\x23-\x5b\x5d-\x7e]|\\\d{3})*"$/);
        expect(unLua(literal).equals(Buffer.from(text, 'utf8'))).toBe(true);
      }),
    );
  });
});
