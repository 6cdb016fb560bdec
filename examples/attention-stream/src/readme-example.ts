// The example at the top of packages/flash-attention-stream/README.md, kept
// here so it compiles with the rest (run: node examples/attention-stream/dist/readme-example.js).
import { Node, Supervisor } from '@erlmcp/otp';
import { FlashAttention } from '@erlmcp/flash-attention-stream';

async function main() {
  const node = Node.start({ logLevel: 'silent' });           // one scheduler per core
  const attention = FlashAttention.create();                 // shared memory + kernel, here
  await Supervisor.start({ children: [attention.childSpec()] });

  const n = 4096, d = 64, heads = 8;
  const rand = () => Float32Array.from({ length: heads * n * d }, () => Math.random() - 0.5);
  const input = { q: rand(), k: rand(), v: rand(), shape: { batch: 1, heads, queries: n, d }, causal: true };

  for await (const chunk of attention.stream(input)) {       // rows in order, as their tiles finish
    console.log(`rows ${chunk.rowStart}..${chunk.rowStart + chunk.rows - 1}`, chunk.data.length);
  }
  console.log(await attention.stats());                      // rows/s, GFLOP/s, time to first row: measured
  await node.stop();
}
void main(); // a rejection is unhandled: Node prints it and exits with code 1
