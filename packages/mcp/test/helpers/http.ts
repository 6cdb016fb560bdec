import { connect } from 'node:net';

import { JSON_HEADERS, messages, raw, type RawResponse } from '../../../../test-support/http-raw';

export { JSON_HEADERS, messages, raw, type RawResponse };

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
