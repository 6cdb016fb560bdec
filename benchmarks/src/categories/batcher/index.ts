import path from 'node:path';
import type { Category } from '../../harness/types';
import * as notifications from './notifications';
import * as throughput from './throughput';
import * as tokens from './tokens';

/**
 * @erlmcp/message-batcher. throughput: against DataLoader 2.2.3 with the same
 * batch function. token_savings_N: llmBatcher against one request per item,
 * on the package's corpus. notification_*_<transport>: an MCP session's socket
 * writes (stdio's NDJSON, an SSE stream, a WebSocket) with a WriteCoalescer and without. What each row means is in
 * packages/message-batcher/README.md.
 */
export const batcher: Category = {
  name: 'batcher',
  peer: 'dataloader 2.2.3',
  readme: path.resolve(__dirname, '../../../../packages/message-batcher/README.md'),
  scenarios: [
    {
      name: 'throughput',
      unit: 'items/s',
      size: { full: 2_000_000, smoke: 10_000 },
      target: 1,
      ours: throughput.ours,
      peer: throughput.peer,
      paired: throughput.paired,
      note: (ours, peer, detail, peerDetail) =>
        `${(ours / peer).toFixed(2)} of medians (each run: both sides in one process, ${throughput.ROUNDS} alternating rounds each; same batch function, batches of ${throughput.BATCH}, ${throughput.CALLERS} callers; DataLoader with its default scheduling and its cache off, its default being on: with distinct keys a cache only adds Map inserts, so off is the faster peer); first run: per-round ratio median ${detail['roundRatioMedian']?.toFixed(2)}, CPU per item ours ${detail['cpuNsPerItem']?.toFixed(0)} ns vs ${peerDetail['cpuNsPerItem']?.toFixed(0)} ns`,
    },
    ...[10, 100, 1000].map((n) => ({
      name: `token_savings_${n}`,
      unit: 'input tokens/item',
      lowerIsBetter: true,
      peerLabel: 'one request per item',
      // The full run measures batches of n; the smoke run batches of a few items.
      size: { full: n, smoke: Math.min(n, 2 + String(n).length) },
      ours: tokens.ours,
      peer: tokens.peer,
      note: tokens.note(n),
    })),
    ...notifications.TRANSPORTS.flatMap((transport) => [
      {
        name: `notification_coalescing_${transport}`,
        unit: 'writes/1000 notifications',
        lowerIsBetter: true,
        peerLabel: 'no coalescer',
        size: { full: 2_000, smoke: 100 },
        ours: notifications.writes(transport, true),
        peer: notifications.writes(transport, false),
      },
      {
        name: `notification_rate_${transport}`,
        unit: 'notifications/s',
        peerLabel: 'no coalescer',
        size: { full: 2_000, smoke: 100 },
        ours: notifications.rate(transport, true),
        peer: notifications.rate(transport, false),
      },
    ]),
  ],
};
