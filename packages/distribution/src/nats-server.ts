import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** nats-server was not found: where it was looked for, and how to get it. */
export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
}

/**
 * The nats-server binary: on PATH, or where Debian's package puts it (/usr/sbin, often off a
 * user's PATH). Throws NatsServerNotFoundError saying how to get one.
 */
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
      'and pass its URL.',
  );
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the socket is closed before the server binds it). */
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

/**
 * A local nats-server with JetStream (the global registry's KV bucket needs it) on 127.0.0.1
 * and a free port, storing in a temp directory: for tests, benchmarks and running a cluster on
 * one machine. `restart()` stops it and starts it again on the same port and store (reconnect
 * tests); `stop()` ends it and removes the store.
 */
export class NatsServer {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<NatsServer> {
    const binary = findNatsServer();
    const server = new NatsServer(await freePort(), mkdtempSync(path.join(tmpdir(), 'erlmcp-nats-')), binary);
    await server.run();
    return server;
  }

  private async run(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.child = child;
    // Bounded wait: 20 s at most, polling the port.
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${stderr}`);
      if (await listening(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`nats-server (${this.binary}) did not listen on ${this.port} within 20 s: ${stderr}`);
  }

  /** Stops the server process; the store stays, for `restart()`. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.run();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
