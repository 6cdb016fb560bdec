import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would add or forbid some, like Host). */
export function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** The JSON-RPC messages in an SSE body (or the one JSON body). */
export function messages(res: RawResponse): unknown[] {
  if (String(res.headers['content-type']).startsWith('application/json')) return [JSON.parse(res.body)];
  return res.body
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 6)
    .map((line) => JSON.parse(line.slice(6)) as unknown);
}

/** Initializes a session by hand (under `protocolVersion`); resolves with its id. */
export async function initialize(
  url: string,
  extra: Record<string, string> = {},
  protocolVersion = '2025-11-25',
): Promise<string> {
  const res = await raw(
    url,
    'POST',
    { ...JSON_HEADERS, ...extra },
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  );
  if (res.status !== 200) throw new Error(`initialize: ${res.status} ${res.body}`);
  const id = res.headers['mcp-session-id'] as string;
  await raw(
    url,
    'POST',
    { ...JSON_HEADERS, ...extra, 'mcp-session-id': id },
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  return id;
}

/**
 * Sends `head` (request line and header lines, without the blank line) and `body` as bytes on
 * a socket of its own, with `Connection: close`, and resolves with what came back once the
 * server closed it: for requests node's client will not send (two Host headers, a body never sent).
 */
export function rawExchange(
  url: string,
  head: string[],
  body = '',
): Promise<{ status: number; text: string; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        text,
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      }),
    );
    socket.write(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`);
  });
}
