import { spawn } from 'node:child_process';
import path from 'node:path';
import { NatsServer } from '@erlmcp/distribution';
import { endNode } from './end-node';

/** The two-process setup both sides measure across: a nats-server and node 'bench-b' (remote-node.ts) in its own process. */
export interface Pair {
  url: string;
  cluster: string;
  /** Node 'bench-b''s number and its echo server's pid id. */
  nodeId: number;
  echoId: number;
  stop(): Promise<void>;
}

export const CLUSTER = 'bench';

export async function startPair(): Promise<Pair> {
  const nats = await NatsServer.start();
  const child = spawn(process.execPath, [path.join(__dirname, 'remote-node.js'), nats.url, CLUSTER], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ERLMCP_LOG_LEVEL: 'silent' },
  });
  const stop = async (): Promise<void> => {
    await endNode(child);
    await nats.stop();
  };
  try {
    const [nodeId, echoId] = await new Promise<[number, number]>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('bench-b not ready in 60 s')), 60_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ready (\d+) (\d+)/.exec(out);
        if (match !== null) {
          clearTimeout(timer);
          resolve([Number(match[1]), Number(match[2])]);
        }
      });
      child.once('exit', (code) => reject(new Error(`bench-b exited with ${code}`)));
    });
    return { url: nats.url, cluster: CLUSTER, nodeId, echoId, stop };
  } catch (error) {
    child.kill('SIGKILL');
    await nats.stop();
    throw error;
  }
}
