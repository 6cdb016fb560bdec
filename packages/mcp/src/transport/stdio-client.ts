import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ClientSession, type ClientSessionOptions } from '../client/session';
import { CLIENT_BACKPRESSURE } from './backpressure';
import { NdjsonTransport } from './ndjson';

export interface SpawnStdioClientOptions extends Omit<ClientSessionOptions, 'send'> {
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the server's stderr (its log channel) goes; default inherit. */
  stderr?: 'inherit' | 'ignore';
  maxLineBytes?: number;
  /** How long close() waits after closing stdin, then after SIGTERM, before escalating. Default 2000 ms. */
  shutdownGraceMs?: number;
}

export interface StdioClient {
  client: ClientSession;
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** Closes stdin, then SIGTERM, then SIGKILL, as the stdio transport's shutdown prescribes. */
  close: () => Promise<void>;
}

/** Spawns a server process and completes the initialize handshake with it. */
export async function spawnStdioClient(options: SpawnStdioClientOptions): Promise<StdioClient> {
  const {
    command,
    args = [],
    cwd,
    env,
    stderr = 'inherit',
    maxLineBytes,
    shutdownGraceMs = 2000,
    ...clientOptions
  } = options;
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', stderr] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const transport = new NdjsonTransport(child.stdout, child.stdin, {
    maxLineBytes,
    ...CLIENT_BACKPRESSURE,
    onError: clientOptions.onError,
  });
  const client = new ClientSession({ ...clientOptions, send: transport.send });
  transport.attach(client);

  const close = async (): Promise<void> => {
    transport.close();
    const waitExit = (ms: number): Promise<boolean> =>
      Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
      ]);
    if (await waitExit(shutdownGraceMs)) return;
    child.kill('SIGTERM');
    if (await waitExit(shutdownGraceMs)) return;
    child.kill('SIGKILL');
    await exited;
  };

  try {
    await client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  return { client, child, close };
}
