import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where Debian's nats-server package puts the binary (.ci/run installs it), or whatever PATH finds. */
export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'])
    if (existsSync(candidate)) return candidate;
  return 'nats-server';
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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A nats-server with JetStream for one test suite, on 127.0.0.1 and a free port, storing
 * in a temp directory. `restart()` stops it and starts it again on the same port and store
 * (for reconnect tests); `stop()` ends it and removes the store.
 */
export class NatsServer {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), mkdtempSync(path.join(tmpdir(), 'erlmcp-nats-')));
    await server.run();
    return server;
  }

  private async run(): Promise<void> {
    const child = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString();
    });
    this.child = child;
    // Bounded wait: 20 s at most, polling the port.
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${stderr}`);
      if (await portOpen(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`nats-server did not listen on ${this.port} within 20 s: ${stderr}`);
  }

  /** Stops the server process (the store stays, for restart). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
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
