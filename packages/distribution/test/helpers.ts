import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { spawn, type ProcessContext } from '@erlmcp/otp';
import type { JoinOptions } from '@erlmcp/distribution';

/** The CommonJS fixtures other nodes load by module and export. */
export const CODE = path.join(__dirname, 'fixtures', 'code.cjs');
const PEER = path.join(__dirname, 'fixtures', 'peer.cjs');

/** Heartbeats for tests that kill nodes: one is down after 6 s of silence, longer than a loaded machine's pauses. */
export const TIMING = { heartbeatMs: 250, missedHeartbeats: 24 } as const;

/** Heartbeats for tests where no node should go down: 15 s of silence, so a stalled jest worker is not taken for a dead node. */
export const PATIENT = { heartbeatMs: 250, missedHeartbeats: 60 } as const;

/** A node in its own OS process (the compiled packages: `npm test` builds them first). */
export class Peer {
  private constructor(
    readonly name: string,
    readonly id: number,
    private readonly child: ChildProcess,
  ) {}

  /** `schedulers` > 1 gives the peer worker-thread schedulers; `script` runs another peer script (it prints "ready <n>" too: its node id, or for mcp-node.cjs its HTTP port). */
  static start(options: JoinOptions & { schedulers?: number }, script = PEER): Promise<Peer> {
    const child = spawnChild(process.execPath, [script, JSON.stringify(options)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ERLMCP_LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`peer ${options.name} not ready in 60 s: ${err}`));
      }, 60_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ready (\d+)/.exec(out);
        if (match !== null) {
          clearTimeout(timer);
          resolve(new Peer(options.name, Number(match[1]), child));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`peer ${options.name} exited (${code}) before ready: ${err}`));
      });
    });
  }

  /** Sends a command line ("disconnect", "reconnect") and resolves once the peer has done it. */
  command(command: 'disconnect' | 'reconnect'): Promise<void> {
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`peer ${this.name}: no answer to ${command}`)), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`ok ${command}`) || out.includes(`failed ${command}`)) {
          clearTimeout(timer);
          this.child.stdout!.off('data', onData);
          if (out.includes(`ok ${command}`)) resolve();
          else reject(new Error(`peer ${this.name}: ${out.trim()}`));
        }
      };
      this.child.stdout!.on('data', onData);
      this.child.stdin!.write(`${command}\n`);
    });
  }

  /** Ends the process abruptly (SIGKILL): no bye, the others find out by missed heartbeats. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Leaves the cluster cleanly (SIGTERM), or kills it after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs `body` as a process of the current node; resolves with what it returns, rejects with what it throws. */
export function inProcess<T>(
  body: (ctx: ProcessContext) => Promise<T>,
  options: { trapExit?: boolean } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    spawn(
      async (ctx) => {
        try {
          resolve(await body(ctx));
        } catch (error) {
          reject(error as Error);
        }
      },
      { trapExit: options.trapExit },
    );
  });
}

/** Polls `check` every 50 ms until it is true; rejects after `timeoutMs` (bounded, for a loaded machine). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
