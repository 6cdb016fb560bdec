// What metrics add to an MCP request: a synchronous tools/call on an in-memory ServerSession,
// 20,000 calls a round, rounds alternating without and with a listener (RuntimeMetrics, or a
// no-op listener with --noop), median of 8 each; then the time of one scrape.
// Run after `npm run build`: node packages/observability/scripts/request-overhead.cjs [--noop]
const { Node } = require('@erlmcp/otp');
const { defineServer } = require('@erlmcp/mcp');
const { RuntimeMetrics } = require('@erlmcp/observability');

const noop = process.argv.includes('--noop');
const node = Node.start({ schedulers: 1, logLevel: 'silent' });
const definition = defineServer({ name: 'overhead', version: '1' })
  .tool({
    name: 'echo',
    description: 'echo',
    inputSchema: { type: 'object', properties: { t: { type: 'string' } } },
    handler: ({ t }) => ({ content: [{ type: 'text', text: String(t) }] }),
  })
  .build();
let errors = 0;
const session = definition.createSession({ send: (m) => ((errors += 'error' in m ? 1 : 0), true) });
session.receive({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
});
session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });

const N = 20_000;
function round() {
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= N; i++)
    session.receive({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { t: 'x' } } });
  return Number(process.hrtime.bigint() - t0) / N;
}
function subscribe() {
  if (!noop) return new RuntimeMetrics({ node, defaultMetrics: false });
  const listener = () => undefined;
  node.events.on('mcp:request', listener);
  return { close: () => node.events.off('mcp:request', listener) };
}
const without = [];
const withListener = [];
for (let r = 0; r < 8; r++) {
  without.push(round());
  const m = subscribe();
  withListener.push(round());
  m.close();
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
(async () => {
  const metrics = new RuntimeMetrics({ node });
  await metrics.metrics();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) await metrics.metrics();
  const scrapeMs = Number(process.hrtime.bigint() - t0) / 20 / 1e6;
  metrics.close();
  await node.stop();
  console.log(
    JSON.stringify({
      listener: noop ? 'no-op' : 'RuntimeMetrics',
      nsPerCallWithout: Math.round(median(without)),
      nsPerCallWith: Math.round(median(withListener)),
      scrapeMs: Number(scrapeMs.toFixed(2)),
      errors,
    }),
  );
})();
