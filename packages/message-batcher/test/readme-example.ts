import { Node } from '@erlmcp/otp';
import { Batcher } from '@erlmcp/message-batcher';

async function main() {
  const node = Node.start();
  const users = Batcher.create<number, string>({
    sink: async (ids) => ids.map((id) => `user ${id}`), // one round trip for the batch
    maxDelayMs: 10, // a batch leaves 10 ms after its first item...
    maxItems: 50, // ...or as soon as it holds 50
  });
  await users.start(); // or put users.childSpec() in your own tree
  const names = await Promise.all([1, 2, 3].map((id) => users.add(id)));
  console.log(names); // [ 'user 1', 'user 2', 'user 3' ], from one sink call
  console.log(users.efficiency()); // batches, items, sizes, p50/p99 added wait
  await users.stop(); // drains: every pending item settles first
  await node.stop();
}
void main(); // a rejection is unhandled: Node prints it and exits with code 1
