import { type Dispatcher, request } from 'undici';
import { mutant, rng } from './mutate';
import type { Conn } from './streams';

/** What one transport's run counted. */
export interface FuzzTally {
  transport: string;
  /** Hostile frames sent. */
  frames: number;
  /** Well-formed requests sent between them (a ping every `probeEvery` frames), and those answered. */
  probes: number;
  probesAnswered: number;
  /** Probes not answered within the probe timeout. Must be 0. */
  hangs: number;
  /** Frames from the server that are not JSON-RPC responses or notifications. Must be 0. */
  badOutput: number;
  /** Connections the server closed (a message over its size limit, say): reopened. */
  reconnects: number;
  /** HTTP: answers by status. */
  statuses: Record<string, number>;
  ms: number;
}

export interface DriveOptions {
  frames: number;
  seed: number;
  probeEvery: number;
  probeTimeoutMs: number;
  /** True once the server process has exited: the run stops. */
  crashed: () => boolean;
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 'fuzz-init',
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
});
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

const tally = (transport: string): FuzzTally => ({
  transport,
  frames: 0,
  probes: 0,
  probesAnswered: 0,
  hangs: 0,
  badOutput: 0,
  reconnects: 0,
  statuses: {},
  ms: 0,
});

/** A frame a server may send: a JSON-RPC response, notification or request (or a batch of them). */
function wellFormedOutput(text: string): { ok: boolean; ids: unknown[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, ids: [] };
  }
  const items = Array.isArray(value) ? value : [value];
  const ids: unknown[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || (item as { jsonrpc?: unknown }).jsonrpc !== '2.0')
      return { ok: false, ids };
    const m = item as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
    if (m.method === undefined && 'result' in m === 'error' in m) return { ok: false, ids };
    ids.push(m.id);
  }
  return { ok: true, ids };
}

/**
 * Fuzzes a message transport: a session opened, then hostile frames, a ping every
 * `probeEvery`, each ping awaited (the transport's backpressure for the fuzzer too). A
 * connection the server closes is reopened; a ping unanswered in time is a hang.
 */
export async function driveStream(name: string, open: () => Promise<Conn>, options: DriveOptions): Promise<FuzzTally> {
  const t = tally(name);
  const random = rng(options.seed);
  const started = performance.now();
  let waiting: { id: string; resolve: () => void } | undefined;
  const connect = async (): Promise<Conn> => {
    const conn = await open();
    conn.onFrame = (text) => {
      const out = wellFormedOutput(text);
      if (!out.ok) t.badOutput++;
      if (waiting !== undefined && out.ids.includes(waiting.id)) waiting.resolve();
    };
    conn.send(INIT);
    conn.send(INITIALIZED);
    return conn;
  };
  let conn = await connect();
  let open_ = true;
  const watch = (c: Conn): void => void c.closed.then(() => c === conn && (open_ = false));
  watch(conn);
  try {
    while (t.frames < options.frames && !options.crashed()) {
      for (let i = 0; i < options.probeEvery && t.frames < options.frames && open_; i++) {
        conn.send(mutant(random));
        t.frames++;
      }
      await conn.drained();
      if (!open_) {
        t.reconnects++;
        conn = await connect();
        open_ = true;
        watch(conn);
      }
      const id = `probe-${t.probes}`;
      t.probes++;
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), options.probeTimeoutMs);
        waiting = {
          id,
          resolve: () => {
            clearTimeout(timer);
            resolve(true);
          },
        };
        void conn.closed.then(() => {
          clearTimeout(timer);
          resolve(false);
        });
        conn.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
      });
      waiting = undefined;
      if (answered) t.probesAnswered++;
      else if (open_ && !options.crashed()) t.hangs++;
      // Closed under the probe (the frame before it broke a limit): the probe goes again on a new connection.
      else if (!options.crashed()) t.probes--;
    }
  } finally {
    conn.close();
  }
  t.ms = performance.now() - started;
  return t;
}

const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-11-25',
};

/** Reads an HTTP answer: JSON or SSE, each message checked. */
async function readAnswer(res: Dispatcher.ResponseData, t: FuzzTally): Promise<unknown[]> {
  const text = await res.body.text();
  t.statuses[res.statusCode] = (t.statuses[res.statusCode] ?? 0) + 1;
  if (text === '') return [];
  const type = String(res.headers['content-type'] ?? '');
  const frames = type.includes('text/event-stream')
    ? text
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:') && line.length > 6)
        .map((line) => line.slice(5).trim())
    : type.includes('application/json')
      ? [text]
      : [];
  const ids: unknown[] = [];
  for (const frame of frames) {
    const out = wellFormedOutput(frame);
    if (!out.ok) t.badOutput++;
    ids.push(...out.ids);
  }
  return ids;
}

/**
 * Fuzzes Streamable HTTP: `concurrency` sessions, each POSTing hostile bodies (now and then
 * with a header dropped or changed), a ping every `probeEvery`. A 5xx is counted by status.
 */
export async function driveHttp(
  url: string,
  dispatcher: Dispatcher,
  concurrency: number,
  options: DriveOptions,
): Promise<FuzzTally> {
  const t = tally('http');
  const started = performance.now();
  const timeouts = { headersTimeout: options.probeTimeoutMs, bodyTimeout: options.probeTimeoutMs };
  const post = (headers: Record<string, string>, body: string): Promise<Dispatcher.ResponseData> =>
    request(url, { dispatcher, method: 'POST', headers, body, ...timeouts });
  const open = async (): Promise<string> => {
    const res = await post(HEADERS, INIT);
    await res.body.dump();
    const id = String(res.headers['mcp-session-id']);
    await (await post({ ...HEADERS, 'mcp-session-id': id }, INITIALIZED)).body.dump();
    return id;
  };
  const lane = async (lane: number): Promise<void> => {
    const random = rng(options.seed + lane);
    let session = await open();
    while (t.frames < options.frames && !options.crashed()) {
      for (let i = 0; i < options.probeEvery && t.frames < options.frames; i++) {
        t.frames++;
        const headers: Record<string, string> = { ...HEADERS, 'mcp-session-id': session };
        const roll = random();
        if (roll < 0.03) delete headers['mcp-session-id'];
        else if (roll < 0.05)
          headers['mcp-protocol-version'] = mutant(random)
            .slice(0, 20)
            .replace(/[^\x20-\x7e]/g, '');
        else if (roll < 0.06) headers['content-type'] = 'text/plain';
        try {
          await readAnswer(await post(headers, mutant(random)), t);
        } catch (error) {
          if ((error as { code?: string }).code?.includes('TIMEOUT')) t.hangs++;
          else t.reconnects++;
        }
      }
      t.probes++;
      const id = `probe-${lane}-${t.probes}`;
      try {
        const res = await post(
          { ...HEADERS, 'mcp-session-id': session },
          JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }),
        );
        if (res.statusCode === 404) {
          // A hostile frame may end a session only as the spec lets it (a DELETE cannot be a body): counted, reopened.
          await res.body.dump();
          t.reconnects++;
          session = await open();
          t.probes--;
          continue;
        }
        if ((await readAnswer(res, t)).includes(id)) t.probesAnswered++;
      } catch (error) {
        if ((error as { code?: string }).code?.includes('TIMEOUT')) t.hangs++;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i)));
  t.ms = performance.now() - started;
  return t;
}
