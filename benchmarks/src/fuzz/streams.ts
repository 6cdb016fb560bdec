import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { WebSocket } from 'ws';

/** A message transport to the fuzzed server: frames out, frames (lines, messages) in. */
export interface Conn {
  send(text: string): void;
  /** Called with every frame the server sends. */
  onFrame: (text: string) => void;
  /** Resolves when the server (or the network) ended the connection. */
  readonly closed: Promise<void>;
  close(): void;
  /** Resolves once what was sent so far has been handed to the OS (backpressure). */
  drained(): Promise<void>;
}

/** Resolves when `stream` has drained (or closed); its listeners are removed either way. */
function drainOf(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function wire(conn: Omit<Conn, 'onFrame'> & { onFrame?: Conn['onFrame'] }): Conn {
  conn.onFrame ??= () => undefined;
  return conn as Conn;
}

/** NDJSON over TCP: a frame is a line. */
export function openTcp(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      const conn: Conn = wire({
        send: (text) => void socket.write(text + '\n'),
        closed,
        close: () => socket.destroy(),
        drained: () => drainOf(socket),
      });
      createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => conn.onFrame(line));
      resolve(conn);
    });
  });
}

/** WebSocket, subprotocol "mcp": a frame is a message. */
export function openWebSocket(url: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'mcp');
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      const closed = new Promise<void>((done) => ws.once('close', () => done()));
      const conn: Conn = wire({
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
        closed,
        close: () => ws.terminate(),
        drained: async () => {
          while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 1 << 20)
            await new Promise((done) => setTimeout(done, 1));
        },
      });
      ws.on('message', (data: Buffer) => conn.onFrame(data.toString('utf8')));
      resolve(conn);
    });
  });
}

/** stdio: a server child of its own; a frame is a line. `exited` tells of its exit code (a crash if not 0). */
export function openStdio(script: string, onExit: (code: number | null, signal: string | null) => void): Promise<Conn> {
  const child: ChildProcess = spawn(process.execPath, [script, 'stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.once('exit', (code, signal) => onExit(code, signal));
  const stdin = child.stdin!;
  stdin.on('error', () => undefined);
  const closed = new Promise<void>((done) => child.stdout!.once('close', () => done()));
  const conn: Conn = wire({
    send: (text) => {
      if (!stdin.destroyed) stdin.write(text + '\n');
    },
    closed,
    close: () => {
      stdin.end();
      child.kill();
    },
    drained: () => drainOf(stdin),
  });
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => conn.onFrame(line));
  return Promise.resolve(conn);
}
