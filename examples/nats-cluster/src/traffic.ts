import { Agent, request } from 'node:http';
import { nodeStats } from './cluster';

/**
 * MCP traffic through a plain round-robin balancer: this script is the balancer, sending
 * each request to the next node's port in turn, whatever revision or session it is for.
 */
export interface TrafficOptions {
  /** The nodes' MCP endpoints. */
  urls: string[];
  /** 2025-11-25 sessions to open (each `initialize` goes to the next port). Default 12. */
  sessions?: number;
  /** tools/call per session, each through the next port. Default 50. */
  callsPerSession?: number;
  /** 2026-07-28 tools/call (no session). Default 600. */
  statelessCalls?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
}

export interface PhaseReport {
  calls: number;
  /** Answers that were not a tool result from the node expected (an error status, a JSON-RPC error, the wrong node). */
  errors: number;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Which node ran the tool, by node name. */
  ranOn: Record<string, number>;
}

export interface TrafficReport {
  nodes: string[];
  legacy: PhaseReport & {
    sessions: number;
    /** Calls that reached a node other than their session's owner, and were forwarded to it. */
    forwarded: number;
  };
  modern: PhaseReport;
  /** What each node's forwarder counted during the run (GET /stats before and after). */
  counted: { node: string; forwardedOut: number; forwardedIn: number; ownerGone: number }[];
}

const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Answer {
  status: number;
  session: string | undefined;
  body: string;
  type: string;
}

type Message = { result?: { structuredContent?: { node?: string } }; error?: unknown };

/** The last JSON-RPC message of an answer: its JSON body, or the last event of its SSE stream. */
function finalMessage(answer: Answer): Message | undefined {
  try {
    if (answer.type.startsWith('application/json')) return JSON.parse(answer.body) as Message;
    const events = answer.body.split('\n').filter((line) => line.startsWith('data: ') && line.length > 6);
    return events.length === 0 ? undefined : (JSON.parse(events[events.length - 1]!.slice(6)) as Message);
  } catch {
    return undefined;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The round-robin balancer and the HTTP client behind it (keep-alive connections to every node). */
class Balancer {
  private next = 0;
  private readonly agent: Agent;
  constructor(
    readonly urls: string[],
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** The index of the next node's port. */
  pick(): number {
    return this.next++ % this.urls.length;
  }

  /**
   * One request on a kept-alive connection. A connection the node closed as it was reused (its
   * keep-alive timeout passed during a stall) is retried once on a new one, as Node's
   * documentation advises and balancers do: the node read nothing of it.
   */
  post(index: number, headers: Record<string, string>, body: string, fresh = false): Promise<Answer> {
    const target = new URL(this.urls[index]!);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers,
          agent: this.agent,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              session: res.headers['mcp-session-id'] as string | undefined,
              body: text,
              type: String(res.headers['content-type'] ?? ''),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!fresh && req.reusedSocket && error.code === 'ECONNRESET')
          this.post(index, headers, body, true).then(resolve, reject);
        else reject(error);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function call(id: number, text: string, meta?: Record<string, unknown>): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text }, ...(meta === undefined ? {} : { _meta: meta }) },
  });
}

/** Runs `count` jobs with `concurrency` in flight; returns each job's latency (ms) and the wall time (s). */
async function drive(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const began = performance.now();
      await job(i);
      latencies.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latencies: latencies.sort((x, y) => x - y), seconds: (performance.now() - start) / 1000 };
}

function phase(
  calls: number,
  errors: number,
  run: { latencies: number[]; seconds: number },
  ranOn: Record<string, number>,
): PhaseReport {
  return {
    calls,
    errors,
    seconds: run.seconds,
    callsPerSecond: run.seconds > 0 ? calls / run.seconds : 0,
    p50Ms: quantile(run.latencies, 0.5),
    p99Ms: quantile(run.latencies, 0.99),
    ranOn,
  };
}

/**
 * Runs both revisions through the nodes, round robin: first 2025 sessions (initialize, then
 * tools/call, each request to the next port, so most of a session's calls reach a node that
 * does not own it and are forwarded), then 2026-07-28 stateless tools/call. Every answer is
 * checked: the tool must have run on the session's owner (2025) or on the node reached (2026).
 */
export async function runTraffic(options: TrafficOptions): Promise<TrafficReport> {
  const sessions = options.sessions ?? 12;
  const perSession = options.callsPerSession ?? 50;
  const statelessCalls = options.statelessCalls ?? 600;
  const concurrency = options.concurrency ?? 8;
  const before = await Promise.all(options.urls.map((url) => nodeStats(url)));
  const names = before.map((stats) => stats.node);
  const balancer = new Balancer(options.urls, concurrency);
  try {
    // 2025-11-25: open the sessions; the node an initialize reaches owns that session.
    const opened: { id: string; owner: string }[] = [];
    for (let s = 0; s < sessions; s++) {
      const at = balancer.pick();
      const init = await balancer.post(
        at,
        HEADERS,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'traffic', version: '1' } },
        }),
      );
      if (init.status !== 200 || init.session === undefined) throw new Error(`initialize: ${init.status} ${init.body}`);
      const headers = { ...HEADERS, 'mcp-session-id': init.session, 'mcp-protocol-version': LEGACY };
      const note = await balancer.post(
        balancer.pick(),
        headers,
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      );
      if (note.status !== 202) throw new Error(`notifications/initialized: ${note.status} ${note.body}`);
      opened.push({ id: init.session, owner: names[at]! });
    }
    let legacyErrors = 0;
    let forwarded = 0;
    const legacyRanOn: Record<string, number> = {};
    const legacy = await drive(sessions * perSession, concurrency, async (i) => {
      const session = opened[i % sessions]!;
      const at = balancer.pick();
      if (names[at] !== session.owner) forwarded++;
      const headers = { ...HEADERS, 'mcp-session-id': session.id, 'mcp-protocol-version': LEGACY };
      const answer = await balancer.post(at, headers, call(i + 1, `legacy ${i}`));
      const node = finalMessage(answer)?.result?.structuredContent?.node;
      if (answer.status !== 200 || node !== session.owner) legacyErrors++;
      if (node !== undefined) legacyRanOn[node] = (legacyRanOn[node] ?? 0) + 1;
    });

    // 2026-07-28: no session; whichever node a request reaches answers it.
    let modernErrors = 0;
    const modernRanOn: Record<string, number> = {};
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'traffic', version: '1' },
    };
    const modern = await drive(statelessCalls, concurrency, async (i) => {
      const at = balancer.pick();
      const headers = { ...HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
      const answer = await balancer.post(at, headers, call(i + 1, `modern ${i}`, meta));
      const node = finalMessage(answer)?.result?.structuredContent?.node;
      if (answer.status !== 200 || node !== names[at]) modernErrors++;
      if (node !== undefined) modernRanOn[node] = (modernRanOn[node] ?? 0) + 1;
    });
    const after = await Promise.all(options.urls.map((url) => nodeStats(url)));
    return {
      nodes: names,
      counted: after.map((stats, i) => ({
        node: stats.node,
        forwardedOut: stats.forwardedOut - before[i]!.forwardedOut,
        forwardedIn: stats.forwardedIn - before[i]!.forwardedIn,
        ownerGone: stats.ownerGone - before[i]!.ownerGone,
      })),
      legacy: { ...phase(sessions * perSession, legacyErrors, legacy, legacyRanOn), sessions, forwarded },
      modern: phase(statelessCalls, modernErrors, modern, modernRanOn),
    };
  } finally {
    balancer.close();
  }
}

/** The report as lines for a terminal. */
export function formatReport(report: TrafficReport): string {
  const line = (label: string, p: PhaseReport) =>
    `${label}: ${p.calls} tools/call in ${p.seconds.toFixed(2)} s = ${p.callsPerSecond.toFixed(0)} calls/s ` +
    `(p50 ${p.p50Ms.toFixed(1)} ms, p99 ${p.p99Ms.toFixed(1)} ms), errors ${p.errors}; ran on ${JSON.stringify(p.ranOn)}`;
  return [
    `nodes: ${report.nodes.join(', ')} (round robin across their ports)`,
    line(`2025-11-25, ${report.legacy.sessions} sessions`, report.legacy),
    `  of which ${report.legacy.forwarded} reached a node that does not own the session and were forwarded to its owner`,
    line('2026-07-28, stateless', report.modern),
    'what the nodes counted (forwarded requests include the notifications/initialized that reached another node):',
    ...report.counted.map(
      (c) =>
        `  ${c.node}: passed ${c.forwardedOut} to an owner, answered ${c.forwardedIn} for another node, ${c.ownerGone} owner gone`,
    ),
  ].join('\n');
}
