// supervised-http.ts: an MCP server as an application, its HTTP listener a child of the tree.
import { Application, CallExitError, GenServer, ok, reply, type RunningApplication, Supervisor } from '@erlmcp/otp';
import { defineServer } from '@erlmcp/mcp/server';
import { listenHttp, type McpHttpServer, SessionHost } from '@erlmcp/mcp/hosting';

type Answer = { total: number } | { error: string };

/** A worker every session's tools call. Expected failures are answers, not crashes. */
const counter = GenServer.define({
  name: 'counter',
  init: () => ok(0),
  handleCall: (request: { add: number }, _from, total: number) => {
    if (total + request.add > 1_000_000) return reply<number, Answer>({ error: `the total would pass 1,000,000` }, total);
    return reply<number, Answer>({ total: total + request.add }, total + request.add);
  },
});

const definition = defineServer({ name: 'counting', version: '1.0.0' })
  .tool<{ n: number }>({
    name: 'add',
    inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    handler: async ({ n }) => {
      try {
        const answer = (await GenServer.call('counter', { add: n })) as Answer;
        if ('error' in answer) return { content: [{ type: 'text', text: answer.error }], isError: true };
        return { content: [{ type: 'text', text: String(answer.total) }] };
      } catch (error) {
        // The counter died during this call, or while the call waited in its mailbox behind
        // the one that crashed it. Its supervisor restarts it; this call's answer is lost.
        if (error instanceof CallExitError) return { content: [{ type: 'text', text: 'the counter restarted: try again' }], isError: true };
        throw error;
      }
    },
  })
  .build();

/**
 * The transports as a worker: init opens the port, terminate (it traps exits) closes it. It
 * owns the port (`owner`): killed outright, where no terminate runs, the port closes too, and
 * its restart can listen there again.
 */
const httpListener = GenServer.define({
  name: 'http_listener',
  init: async ({ host, port }: { host: SessionHost; port: number }, ctx) =>
    ok(await listenHttp(host, { port, owner: ctx.self })),
  handleCall: (_request: 'url', _from, server: McpHttpServer) => reply<McpHttpServer, string>(server.url, server),
  terminate: async (_reason, server: McpHttpServer) => {
    await server.close();
  },
});

/**
 *   counting (one_for_one)
 *   ├── counter    worker: the tools' shared state
 *   ├── sessions   DynamicSupervisor: one process per MCP session
 *   └── http       worker: Streamable HTTP at /mcp
 *
 * Children start in this order and stop in reverse: the port closes first, then the
 * sessions end, then the worker they call.
 */
export function startCounting(port = 3000): Promise<RunningApplication> {
  const host = new SessionHost(definition);
  return Application.start({
    name: 'counting',
    supervisor: () =>
      Supervisor.start({
        strategy: 'one_for_one',
        intensity: 3,
        period: 5,
        children: [
          GenServer.childSpec('counter', counter, undefined, { name: 'counter' }),
          host.childSpec('sessions'),
          GenServer.childSpec('http', httpListener, { host, port }, { name: 'http_listener', trapExit: true }),
        ],
      }),
  });
}

// Node.start() first; then:
//   const app = await startCounting();
//   console.log(await GenServer.call('http_listener', 'url')); // http://127.0.0.1:3000/mcp
//   ...
//   await app.stop(); // the port closes, the sessions end, the counter stops
