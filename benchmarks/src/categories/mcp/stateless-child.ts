/**
 * One 2026-07-28 (stateless) MCP server under load, in processes of its own so the load
 * generator does not share their cores' event loops: `node stateless-child.js <side>`, where
 * side is
 * - `ours`: listenHttp in this one process (one core);
 * - `ours-door:<n>`: startFrontDoor with n workers, each this script as `ours-worker`;
 * - `peer`: the official `@modelcontextprotocol/server` 2.x in its stateless pattern (a server
 *   and transport per request, no session id), in this one process.
 * It reports { port } over IPC, answers { cmd: 'cpu' } with the CPU its processes have used
 * ({ cpuUs, perProcessUs }: the total, and this process's then each worker's), and exits on
 * { cmd: 'stop' } (stopping its workers first).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Our echo server in this process; in a front-door worker, listenHttp joins the front door. */
async function ours(): Promise<number> {
  const { Node } = require('@erlmcp/otp') as typeof import('@erlmcp/otp');
  const { defineServer } = require('@erlmcp/mcp/server') as typeof import('@erlmcp/mcp/server');
  const { listenHttp } = require('@erlmcp/mcp/hosting') as typeof import('@erlmcp/mcp/hosting');
  Node.start({ schedulers: 1, logLevel: 'silent' });
  const definition = defineServer({ name: 'bench', version: '1.0.0' })
    .tool<{ text: string }>({
      name: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .build();
  const server = await listenHttp(definition, { maxStatelessRequests: 1_000_000 });
  return server.address.port;
}

async function oursDoor(workers: number): Promise<{ port: number; stop: () => Promise<void>; pids: () => number[] }> {
  const { startFrontDoor } = require('@erlmcp/mcp/hosting') as typeof import('@erlmcp/mcp/hosting');
  // The workers run with this process's flags (the heap size the single-process side has too).
  const door = await startFrontDoor({ exec: __filename, args: ['ours-worker'], workers, execArgv: process.execArgv });
  return { port: door.port, stop: () => door.close(), pids: () => door.pids() };
}

/** CPU time (user + system, µs) a process has used, from /proc (Linux); 0 where unreadable. */
function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/**
 * The official 2.x server's 2026-07-28 entry: `createMcpHandler` with a fresh McpServer per
 * request (its documented pattern), strict (`legacy: 'reject'`), mounted on node:http with
 * `toNodeHandler` of `@modelcontextprotocol/node`, as its README says to.
 */
async function peer(): Promise<number> {
  const { createMcpHandler, McpServer } =
    require('@modelcontextprotocol/server') as typeof import('@modelcontextprotocol/server');
  const { toNodeHandler } = require('@modelcontextprotocol/node') as typeof import('@modelcontextprotocol/node');
  const { z } = require('zod') as typeof import('zod');
  const input = z.object({ text: z.string() });
  const handler = createMcpHandler(
    () => {
      const mcp = new McpServer({ name: 'bench', version: '1.0.0' });
      mcp.registerTool('echo', { inputSchema: input }, ({ text }: { text: string }) => ({
        content: [{ type: 'text' as const, text }],
      }));
      return mcp;
    },
    { legacy: 'reject' },
  );
  const serve = toNodeHandler(handler);
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const side = process.argv[2] ?? '';
  if (side === 'ours-worker') {
    await ours();
    return;
  }
  let stop = (): Promise<void> => Promise.resolve();
  let pids = (): number[] => [];
  let port: number;
  if (side.startsWith('ours-door:')) {
    const door = await oursDoor(Number(side.slice('ours-door:'.length)));
    port = door.port;
    stop = door.stop;
    pids = door.pids;
  } else port = side === 'ours' ? await ours() : await peer();
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'stop') void stop().finally(() => process.exit(0));
    // The CPU every process of this server has used so far: this one, then its workers by index.
    else if (message.cmd === 'cpu') {
      const perProcessUs = [process.pid, ...pids()].map(cpuMicros);
      process.send!({ cpuUs: perProcessUs.reduce((sum, us) => sum + us, 0), perProcessUs });
    }
  });
  process.send!({ port });
}

void main();
