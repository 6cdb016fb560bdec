import { type Agent, request } from 'node:http';

export interface PostAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One POST, read whole as text. A kept-alive connection the server closed as it was reused
 * (its keep-alive timeout passed while the benchmark measured something else, or during a
 * stall of the loaded machine) resets; the server read nothing of the request, so it is sent
 * once more on a fresh connection, as Node's documentation advises.
 */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  agent: Agent | false = false,
): Promise<PostAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (agent !== false && req.reusedSocket && error.code === 'ECONNRESET')
        post(url, headers, body, false).then(resolve, reject);
      else reject(error);
    });
    req.end(body);
  });
}
