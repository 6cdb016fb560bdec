/**
 * A session-cache workload: records of MCP sessions as a server keeps them
 * (ids, client info, negotiated capabilities, the tools and resources the
 * session was offered, counters), a few KB of JSON each, with the
 * repetition real sessions have: a few client builds, a catalog of tools
 * whose descriptions and schemas every session of a server repeats,
 * resources under a handful of projects; and ids, timestamps and counters
 * unique to each session. Deterministic for a seed, so runs compare.
 *
 * `hotKeys`/`skewedKey` give the access pattern of a session cache: most
 * reads on a hot minority of sessions (the active ones).
 */

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLIENTS = [
  ['claude-desktop', 'Claude Desktop', ['0.10.14', '0.11.2', '0.11.6']],
  ['vscode-copilot', 'Visual Studio Code', ['1.101.0', '1.102.1']],
  ['cursor', 'Cursor', ['1.2.4', '1.3.0']],
  ['mcp-inspector', 'MCP Inspector', ['0.16.1']],
  ['zed', 'Zed', ['0.195.3', '0.196.0']],
  ['goose', 'Goose', ['1.1.0']],
] as const;
const PROTOCOLS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const VERBS = [
  'search',
  'read',
  'write',
  'list',
  'create',
  'delete',
  'update',
  'summarize',
  'translate',
  'query',
  'fetch',
  'run',
];
const NOUNS = [
  'files',
  'issues',
  'documents',
  'tickets',
  'commits',
  'calendar',
  'emails',
  'tables',
  'metrics',
  'logs',
  'pages',
];
const WORDS = (
  'the a of to and in for with on by from as that this each when which returns given results matching optional required ' +
  'items page cursor limit sorted newest oldest first owner project workspace repository folder path pattern query filter ' +
  'fields content text format json markdown html plain summary length tokens language source target timezone range start end'
).split(' ');

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const s = out.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: Record<string, unknown>;
}

/** The catalog of tools the sessions' servers offer (fixed for a seed). */
export function toolCatalog(seed = 1): ToolDef[] {
  const rand = prng(seed);
  const tools: ToolDef[] = [];
  for (const verb of VERBS) {
    for (const noun of NOUNS) {
      if (rand() < 0.55) continue;
      const params: Record<string, unknown> = {};
      const required: string[] = [];
      const n = 2 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) {
        const p = WORDS[Math.floor(rand() * WORDS.length)]!;
        params[p] =
          rand() < 0.6
            ? { type: 'string', description: sentence(rand, 6 + Math.floor(rand() * 10)) }
            : { type: 'integer', minimum: 0, maximum: 1000, description: sentence(rand, 5) };
        if (rand() < 0.4) required.push(p);
      }
      tools.push({
        name: `${verb}_${noun}`,
        title: `${verb[0]!.toUpperCase()}${verb.slice(1)} ${noun}`,
        description: `${sentence(rand, 14 + Math.floor(rand() * 30))} ${sentence(rand, 6 + Math.floor(rand() * 12))}`,
        inputSchema: { type: 'object', properties: params, required, additionalProperties: false },
        annotations: {
          readOnlyHint: verb === 'read' || verb === 'list' || verb === 'search',
          destructiveHint: verb === 'delete',
          openWorldHint: rand() < 0.3,
        },
      });
    }
  }
  return tools;
}

export interface SessionWorkload {
  /** The key of session `i`. */
  key(i: number): string;
  /** The record of session `i`: [key, session] (the same for the same i and seed). */
  record(i: number): [string, Record<string, unknown>];
}

/** Sessions of a server fleet: servers (tool sets) × client builds, with per-session ids, times and counters. */
export function sessionWorkload(seed = 1): SessionWorkload {
  const catalog = toolCatalog(seed);
  // Twelve server profiles, each offering a fixed subset of the catalog.
  const pick = prng(seed + 7);
  const profiles = Array.from({ length: 12 }, (_, p) => ({
    server: { name: `erlmcp-${['docs', 'code', 'ops', 'crm'][p % 4]}`, version: `3.${p % 3}.${p % 5}` },
    tools: catalog.filter(() => pick() < 0.12).slice(0, 4),
    project: `proj-${p}`,
  }));
  const key = (i: number): string => `session:${(i * 2654435761) >>> 0}:${i}`;
  return {
    key,
    record(i: number) {
      const rand = prng(seed * 1_000_003 + i);
      const profile = profiles[Math.floor(rand() * profiles.length)]!;
      const [cname, ctitle, versions] = CLIENTS[Math.floor(rand() * CLIENTS.length)]!;
      const created = 1_780_000_000_000 + Math.floor(rand() * 86_400_000 * 30);
      const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
      const resources = Array.from({ length: 2 + Math.floor(rand() * 4) }, (_, r) => ({
        uri: `file:///workspace/${profile.project}/${['src', 'docs', 'data'][r % 3]}/${hex(6)}.${['ts', 'md', 'json'][r % 3]}`,
        name: `${['src', 'docs', 'data'][r % 3]}-${r}`,
        mimeType: ['text/x-typescript', 'text/markdown', 'application/json'][r % 3],
        size: Math.floor(rand() * 200_000),
        annotations: { audience: ['user', 'assistant'], priority: Math.round(rand() * 10) / 10 },
      }));
      const session = {
        sessionId: `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`,
        protocolVersion: PROTOCOLS[Math.floor(rand() * PROTOCOLS.length)]!,
        createdAt: new Date(created).toISOString(),
        lastSeenAt: created + Math.floor(rand() * 3_600_000),
        client: { name: cname, title: ctitle, version: versions[Math.floor(rand() * versions.length)]! },
        clientCapabilities:
          rand() < 0.5
            ? { roots: { listChanged: true }, sampling: {}, elicitation: {} }
            : { roots: { listChanged: false } },
        server: profile.server,
        serverCapabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: false },
          logging: {},
        },
        tools: profile.tools,
        resources,
        subscriptions: resources.filter(() => rand() < 0.3).map((r) => r.uri),
        stats: {
          requests: Math.floor(rand() * 5000),
          errors: Math.floor(rand() * 20),
          bytesIn: Math.floor(rand() * 1e7),
          bytesOut: Math.floor(rand() * 1e8),
        },
        user: { id: `user-${Math.floor(rand() * 50_000)}`, org: `org-${Math.floor(rand() * 200)}` },
      };
      return [key(i), session];
    },
  };
}

/**
 * A skewed access pattern over `n` keys: a fraction `hotShare` of reads
 * goes to the first `hotFraction` of the keys (the hot minority), the rest
 * spread over all keys. Returns key indexes.
 */
export function skewedIndexes(n: number, count: number, seed = 3, hotFraction = 0.1, hotShare = 0.9): Int32Array {
  const rand = prng(seed);
  const hot = Math.max(1, Math.floor(n * hotFraction));
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rand() < hotShare ? Math.floor(rand() * hot) : Math.floor(rand() * n);
  return out;
}
