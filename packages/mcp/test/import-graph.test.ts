import path from 'node:path';
import madge from 'madge';

// The import graph of src/, read by madge from the sources (type-only imports count too):
// no cycles, and each role imports only what lies under it.
//
//   core (jsonrpc/, protocol/, types/, validation/, the framing in transport/)
//     <- client (client/, the client transports)
//     <- server (server/, the server transports)  <- hosting (hosting/, on @erlmcp/otp)

const SRC = path.resolve(__dirname, '..', 'src');

type Role = 'core' | 'client' | 'server' | 'hosting';

const CLIENT_TRANSPORTS = [
  'stdio-client',
  'tcp-client',
  'websocket-client',
  'http/client',
  'http/client-stream',
  'http/reconnect',
  'http/sse-reader',
];
const CORE_TRANSPORTS = ['line-splitter', 'ndjson', 'backpressure', 'websocket-subprotocol'];

function roleOf(file: string): Role {
  const name = file.replace(/\.ts$/, '');
  if (name === 'index') return 'core';
  if (name === 'client' || name.startsWith('client/')) return 'client';
  if (name === 'server' || name.startsWith('server/')) return 'server';
  if (name === 'hosting' || name.startsWith('hosting/')) return 'hosting';
  if (name.startsWith('transport/')) {
    const rest = name.slice('transport/'.length);
    if (CLIENT_TRANSPORTS.includes(rest)) return 'client';
    if (CORE_TRANSPORTS.includes(rest)) return 'core';
    return 'server';
  }
  return 'core';
}

/** What each role may import besides itself. */
const ALLOWED: Record<Role, Role[]> = { core: [], client: ['core'], server: ['core'], hosting: ['core', 'server'] };

/** The graph of src/ alone (the runtime, reached through @erlmcp/otp, is another package). */
async function importGraph(
  skipTypeImports: boolean,
): Promise<{ graph: Record<string, string[]>; circular: string[][] }> {
  const result = await madge(SRC, {
    fileExtensions: ['ts'],
    excludeRegExp: [/^\.\.\//],
    detectiveOptions: { ts: { skipTypeImports } },
  });
  return { graph: result.obj(), circular: result.circular() };
}

describe('the import graph of src/', () => {
  let graph: Record<string, string[]>;
  let circular: string[][];

  beforeAll(async () => {
    ({ graph, circular } = await importGraph(false));
  });

  test('has no cycle at run time', async () => {
    const runtime = await importGraph(true);
    expect(Object.keys(runtime.graph).length).toBeGreaterThan(50);
    expect(runtime.circular).toEqual([]);
  });

  test('has one cycle through type imports only, the one server/handler-context.ts says why it has', () => {
    // handler-context.ts holds two parts of ServerSession (a handler's ctx, the Peer's
    // callbacks) kept apart so that session.ts holds the protocol alone; they name the
    // session's type and nothing else of it at run time.
    expect(Object.keys(graph).length).toBeGreaterThan(50);
    expect(circular).toEqual([['server/session.ts', 'server/handler-context.ts']]);
  });

  test('each role imports only the roles under it: the core neither side, the client and the server not each other, nothing the hosting', () => {
    const crossings: string[] = [];
    for (const [file, imports] of Object.entries(graph)) {
      const from = roleOf(file);
      for (const target of imports) {
        const to = roleOf(target);
        if (to !== from && !ALLOWED[from].includes(to)) crossings.push(`${file} (${from}) -> ${target} (${to})`);
      }
    }
    expect(crossings).toEqual([]);
  });
});
