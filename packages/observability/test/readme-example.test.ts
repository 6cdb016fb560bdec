// The README's example, run as written (keep the two in step).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenServer, Node, ok, reply, Supervisor } from '@erlmcp/otp';
import { checkRequest } from '@erlmcp/mcp/server';
import { observabilityRoutes, Observer, RuntimeMetrics } from '@erlmcp/observability';

const counter = GenServer.define({
  name: 'counter',
  init: () => ok(0),
  handleCall: (_request: 'next', _from, n: number) => reply(n + 1, n + 1),
});

async function main(): Promise<{ url: string; stop(): Promise<void> }> {
  const node = Node.start();
  const metrics = new RuntimeMetrics(); // subscribes to node.events now, reads stats at each scrape
  const observer = new Observer({ applications: [{ name: 'demo', root: 'demo_top' }] });
  await Supervisor.start(
    { strategy: 'one_for_one', children: [GenServer.childSpec('counter', counter, undefined, { name: 'counter' })] },
    { name: 'demo_top' },
  );

  const routes = observabilityRoutes({ metrics, observer, check: (req) => checkRequest(req, {}) });
  const server = createServer((req, res) => {
    if (!routes(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`${url}/metrics and ${url}/observer/`);
  return {
    url,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      metrics.close();
      observer.close();
      await node.stop();
    },
  };
}

describe("the README's example", () => {
  it('serves /metrics and /observer for a small tree', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const app = await main();
    try {
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/^erlmcp_process_spawns_total\{behaviour="gen_server:counter"\} 1$/m);
      const snapshot = (await (await fetch(`${app.url}/observer/snapshot`)).json()) as {
        applications: { name: string; tree: { children: { id: string }[] } }[];
      };
      expect(snapshot.applications[0].tree.children.map((c) => c.id)).toEqual(['counter']);
      expect(log).toHaveBeenCalledWith(`${app.url}/metrics and ${app.url}/observer/`);
    } finally {
      log.mockRestore();
      await app.stop();
    }
  });
});
