import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import parse from 'parse-prometheus-text-format';
import { Node } from '@erlmcp/otp';
import { startMcpServer, type McpServerApp } from '../src/app';
import { sample } from '../../../packages/observability/test/sample';

/** A GET with our own Host header (fetch does not let a test set it). */
function get(url: string, host?: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the flagship serves /metrics beside the MCP endpoint', () => {
  let node: Node;
  let server: McpServerApp;
  let metricsUrl: string;

  beforeEach(async () => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
    server = await startMcpServer({ port: 0 });
    metricsUrl = new URL('/metrics', server.urls!.url).href;
  });

  afterEach(async () => {
    await server.stop();
    await node.stop();
  });

  const scrape = async (): Promise<string> => {
    const res = await get(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('is valid Prometheus text with units in names, _total counters and no session ids as labels', async () => {
    const text = await scrape();
    const families = parse(text);
    expect(families.length).toBeGreaterThan(30);
    for (const family of families) {
      expect(family.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/);
      for (const m of family.metrics)
        for (const label of Object.keys(m.labels ?? {})) expect(label).not.toMatch(/session/i);
    }
  });

  it('moves when a session opens, a tool is called and a resource is read', async () => {
    const before = await scrape();
    const client = new Client({ name: 'metrics-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.urls!.url)));
    await client.callTool({ name: 'calculate', arguments: { op: 'add', a: 1, b: 2 } });
    await client.callTool({ name: 'calculate', arguments: { op: 'divide', a: 1, b: 0 } });
    await client.readResource({ uri: 'erlmcp://about' });
    const during = await scrape();
    expect(sample(during, 'erlmcp_mcp_sessions')).toBe(sample(before, 'erlmcp_mcp_sessions') + 1);
    expect(sample(during, 'erlmcp_mcp_connections_accepted_total', { transport: 'http' })).toBe(1);
    expect(sample(during, 'erlmcp_mcp_connection_establishment_seconds', { transport: 'http' })).toBe(1); // the histogram's count
    expect(sample(during, 'erlmcp_mcp_tool_calls_total', { tool: 'calculate', outcome: 'ok' })).toBe(1);
    expect(sample(during, 'erlmcp_mcp_tool_calls_total', { tool: 'calculate', outcome: 'tool_error' })).toBe(1);
    expect(sample(during, 'erlmcp_mcp_tool_duration_seconds', { tool: 'calculate' })).toBe(2);
    expect(sample(during, 'erlmcp_mcp_resource_reads_total', { outcome: 'ok' })).toBe(1);
    expect(sample(during, 'erlmcp_mcp_requests_total', { method: 'initialize', outcome: 'ok' })).toBe(1);
    expect(sample(during, 'erlmcp_mcp_request_duration_seconds', { method: 'tools/call' })).toBe(2);
    expect(sample(during, 'erlmcp_process_spawns_total', { behaviour: 'gen_server:mcp_session' })).toBe(1);
    // Each request the session received, and each answer it handed its transport, were timed.
    expect(
      sample(during, 'erlmcp_mcp_transport_duration_seconds', { transport: 'http', direction: 'receive' }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      sample(during, 'erlmcp_mcp_transport_duration_seconds', { transport: 'http', direction: 'send' }),
    ).toBeGreaterThanOrEqual(4);
    await client.close();
  });

  it('counts a connection refused by the Host check, and refuses the scrape itself from a foreign Host', async () => {
    const refused = await get(server.urls!.url, 'evil.example');
    expect(refused.status).toBe(403);
    expect((await get(metricsUrl, 'evil.example')).status).toBe(403);
    const text = await scrape();
    expect(sample(text, 'erlmcp_mcp_connections_rejected_total', { transport: 'http', reason: '403' })).toBe(1);
  });

  it('answers other methods with 405 and leaves other paths to the 404', async () => {
    const res = await fetch(metricsUrl, { method: 'POST' });
    expect(res.status).toBe(405);
    expect((await fetch(new URL('/nothing', server.urls!.url))).status).toBe(404);
  });
});
