/**
 * A mutation fuzzer over valid MCP traffic: each frame is a valid one (initialize, ping,
 * tools/call, resources/read, notifications, responses, batches) with byte-level mutations
 * (flips, inserted and deleted runs, truncation, splices of two frames, hostile tokens) and
 * structure-level ones (a field's value swapped for a hostile value). Seeded: a run is
 * reproducible from its seed.
 */

/** The valid traffic the mutations start from. */
export const CORPUS: readonly string[] = [
  { jsonrpc: '2.0', id: 1, method: 'ping' },
  {
    jsonrpc: '2.0',
    id: 2,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 'a', method: 'tools/list', params: { cursor: 'x' } },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello' } } },
  {
    jsonrpc: '2.0',
    id: 4,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'hi' }, _meta: { progressToken: 7 } },
  },
  { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'fuzz://about' } },
  { jsonrpc: '2.0', id: 6, method: 'resources/subscribe', params: { uri: 'fuzz://about' } },
  { jsonrpc: '2.0', id: 7, method: 'logging/setLevel', params: { level: 'debug' } },
  { jsonrpc: '2.0', id: 8, method: 'prompts/get', params: { name: 'p', arguments: {} } },
  {
    jsonrpc: '2.0',
    id: 9,
    method: 'completion/complete',
    params: { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } },
  },
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'x' } },
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 1 } },
  { jsonrpc: '2.0', id: 10, result: {} },
  { jsonrpc: '2.0', id: 11, error: { code: -32601, message: 'no' } },
  [
    { jsonrpc: '2.0', id: 12, method: 'ping' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  ],
].map((value) => JSON.stringify(value));

const HOSTILE_TOKENS = [
  '__proto__',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '1e999999',
  '-0',
  '9007199254740993',
  '"\\ud800"',
  '\u0000',
  '\uffff',
  '\ud83d',
  'null',
  'true',
  '[]',
  '{}',
  '"' + 'x'.repeat(300) + '"',
  '['.repeat(200),
  ']'.repeat(50),
  '"\\u0000"',
  ',,,',
  '\\',
  '\r\n',
  '\n',
];

/** A small, fast seeded generator (mulberry32): the fuzzer's only source of randomness. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One hostile frame from `random`: a corpus frame with one to four mutations. */
export function mutant(random: () => number): string {
  const int = (n: number): number => Math.floor(random() * n);
  let text = CORPUS[int(CORPUS.length)]!;
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = int(text.length + 1);
    switch (int(9)) {
      case 0: {
        // flip one character's code unit
        const code = text.charCodeAt(at) ^ (1 << int(8));
        text = text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        break;
      }
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + int(8));
        break;
      case 2:
        text = text.slice(0, at);
        break;
      case 3:
        text = text.slice(0, at) + HOSTILE_TOKENS[int(HOSTILE_TOKENS.length)]! + text.slice(at);
        break;
      case 4: {
        // splice the head of this frame onto the tail of another
        const other = CORPUS[int(CORPUS.length)]!;
        text = text.slice(0, at) + other.slice(int(other.length));
        break;
      }
      case 5:
        // duplicate a run
        text = text.slice(0, at) + text.slice(at, at + 1 + int(16)).repeat(1 + int(4)) + text.slice(at);
        break;
      case 6: {
        // a value swapped for a hostile one, the frame kept well-formed JSON when it was
        const value = HOSTILE_TOKENS[int(HOSTILE_TOKENS.length)]!;
        text = text.replace(/:("[^"]*"|-?\d+|\{\}|true|false|null)/, `:${value}`);
        break;
      }
      case 7:
        text = text.replace(
          /"(jsonrpc|id|method|params|result|error)"/,
          `"${['jsonrpc', 'id', 'method', 'params', 'result', 'error', 'ID', ''][int(8)]}"`,
        );
        break;
      default:
        text = text.slice(0, at) + String.fromCharCode(int(0x80)) + text.slice(at);
    }
  }
  return text;
}
