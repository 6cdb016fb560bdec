/**
 * The demo: a long sequence's attention streamed row by row, then a decode
 * loop token by token over a KV cache, with the figures the server measured.
 *
 *   attention-stream        one_for_one
 *   └─ flash_attention      the package's supervisor
 *       ├─ server           the AttentionServer: shared memory, requests, streaming
 *       └─ workers
 *           └─ on-<k>       a tile worker on each worker scheduler
 *
 * Q, K and V are random: this is the attention a language model's layer
 * computes, timed for real, not a language model.
 */
import { GenServer, Supervisor, type Pid } from '@erlmcp/otp';
import { FlashAttention, type AttentionInput, type AttentionStats } from '@erlmcp/flash-attention-stream';

export interface DemoOptions {
  /** Sequence length of the prefill. */
  n: number;
  heads: number;
  d: number;
  /** Tokens in the KV cache before the decode loop. */
  prompt: number;
  /** Tokens generated one by one. */
  tokens: number;
}

export const defaults: DemoOptions = { n: 8192, heads: 8, d: 64, prompt: 4096, tokens: 16 };

export interface DemoResult {
  /** rowStart of each chunk, in the order they arrived. */
  chunkStarts: number[];
  /** Each generated token's output, (heads, d). */
  tokenOutputs: Float32Array[];
  stats: AttentionStats;
}

function random(count: number): Float32Array {
  const t = new Float32Array(count);
  for (let i = 0; i < count; i++) t[i] = Math.random() * 2 - 1;
  return t;
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

export async function runDemo(print: (line: string) => void, options: DemoOptions = defaults): Promise<DemoResult> {
  const { n, heads, d, prompt, tokens } = options;
  const attention = FlashAttention.create({ maxSequence: Math.max(n, prompt + tokens) });
  const tree: Pid = await Supervisor.start(
    { strategy: 'one_for_one', children: [attention.childSpec()] },
    { name: 'attention-stream' },
  );
  try {
    print(`pool: schedulers ${attention.pool.join(', ')}; kernel: ${attention.engine.kernel.name}`);

    // 1. Prefill: causal attention over n tokens, rows printed as they stream.
    const input: AttentionInput = {
      q: random(heads * n * d),
      k: random(heads * n * d),
      v: random(heads * n * d),
      shape: { batch: 1, heads, queries: n, d },
      causal: true,
    };
    print(`prefill: ${heads} heads x ${n} tokens, d = ${d}, causal`);
    const chunkStarts: number[] = [];
    const started = performance.now();
    const stream = attention.stream(input);
    for await (const chunk of stream) {
      chunkStarts.push(chunk.rowStart);
      const last = chunk.rowStart + chunk.rows === n;
      if (chunkStarts.length <= 4 || last || chunkStarts.length % 32 === 0) {
        print(
          `  rows ${chunk.rowStart}..${chunk.rowStart + chunk.rows - 1} of ${n} at ${ms(performance.now() - started)}`,
        );
      }
    }
    const summary = await stream.summary;
    print(
      `  first rows after ${ms(summary.timeToFirstRowMs)}, all ${n} after ${ms(summary.ms)}: ${(summary.flops / (summary.ms * 1e6)).toFixed(1)} GFLOP/s`,
    );

    // 2. Decode: a prompt into the KV cache, then one token at a time.
    const decoder = await attention.decoder({ batch: 1, heads, d, capacity: prompt + tokens });
    await decoder.step({ q: random(heads * prompt * d), k: random(heads * prompt * d), v: random(heads * prompt * d) });
    print(
      `decode: ${prompt} prompt tokens cached (${(decoder.bytes / 2 ** 20).toFixed(1)} MiB reserved for ${decoder.capacity}), ${tokens} tokens one by one`,
    );
    const tokenOutputs: Float32Array[] = [];
    for (let t = 0; t < tokens; t++) {
      const begun = performance.now();
      tokenOutputs.push(await decoder.step({ q: random(heads * d), k: random(heads * d), v: random(heads * d) }));
      print(`  token ${decoder.length}: ${ms(performance.now() - begun)}`);
    }
    await decoder.close();

    const stats = await attention.stats();
    print(
      `stats: ${stats.requests.completed} requests, ${stats.rows} rows, ${(stats.flops / 1e9).toFixed(1)} GFLOP; workers ${stats.workers.map((w) => `${w.scheduler}: ${w.tasks} tiles in ${ms(w.busyMs)}`).join(', ')}; scratch ${stats.scratchBytes} bytes`,
    );
    return { chunkStarts, tokenOutputs, stats };
  } finally {
    await GenServer.stop(tree, 'shutdown');
  }
}
