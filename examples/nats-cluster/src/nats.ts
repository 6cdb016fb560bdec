import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** nats-server was not found: where it was looked for, and how to get it. */
export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
}

/** The nats-server binary: on PATH, or where Debian's package puts it (/usr/sbin is often off a user's PATH). */
export function findNatsServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new NatsServerNotFoundError(
    'nats-server not found on PATH (nor in /usr/sbin). Install it (Debian/Ubuntu: apt-get install nats-server; ' +
      'or https://github.com/nats-io/nats-server/releases), or start one yourself with JetStream (nats-server -js) ' +
      'and pass its URL in NATS_URL.',
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningNats {
  url: string;
  stop(): Promise<void>;
}

/** A nats-server with JetStream on 127.0.0.1 and a free port, storing in a temp directory it removes on stop. */
export async function startNats(): Promise<RunningNats> {
  const binary = findNatsServer();
  const port = await freePort();
  const store = mkdtempSync(path.join(tmpdir(), 'erlmcp-nats-cluster-'));
  let stderr = '';
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(store, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (await listening(port)) return { url: `nats://127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`nats-server (${binary}) did not listen on ${port} within 20 s: ${stderr}`);
}
