import { decodeFrame, FrameTooComplexError } from '@erlmcp/mcp';
import { median } from '../../harness/stats';
import type { Measurement, Scenario } from '../../harness/types';

/**
 * What a hostile body costs before anything can refuse it. Ours is the decode every text
 * transport runs (`decodeFrame`: size check, the pre-scan, and JSON.parse only within the
 * limits); the peer is `JSON.parse` of the same text, which is what a body cost before the
 * pre-scan, and what it costs any server that parses first.
 */

/** 4 MB: 2 million arrays nested in each other, the body of the issue. */
export function nestedBody(): string {
  return '['.repeat(2_000_000) + ']'.repeat(2_000_000);
}

/**
 * About 4 MB (within the 4 MiB frame limit) whose only fault comes last: 99,900 strings of
 * 38 characters (just under the 100,000-element limit), then arrays nested 65 deep. The
 * scan reads all of it before it can refuse it: the most a refused body costs the scan.
 */
export function faultAtEndBody(): string {
  const item = `"${'a'.repeat(38)}"`;
  return `[${new Array(99_900).fill(item).join(',')},${'['.repeat(65)}${']'.repeat(65)}]`;
}

export type RejectionSide = 'ours' | 'peer';

/** The median time of `size` refusals (ours) or parses (peer) of `body`, in ms, each timed alone. */
export function timeRejection(side: RejectionSide, body: string, size: number): Measurement {
  const once = side === 'ours' ? () => refuse(body) : () => void JSON.parse(body);
  // An untimed warm-up, the same for both sides (the harness warms only throughput scenarios).
  once();
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: number[] = [];
  for (let i = 0; i < size; i++) {
    // The peer's garbage (a parsed body) is collected between samples, not inside the next one.
    gc?.();
    const start = process.hrtime.bigint();
    once();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { value: median(samples) };
}

function refuse(body: string): void {
  try {
    decodeFrame(body);
  } catch (error) {
    if (error instanceof FrameTooComplexError) return;
    throw error;
  }
  throw new Error('the body was accepted: the benchmark measures a refusal');
}

/** A scenario timing the refusal of `body()` (made in the child that measures), `full` samples a run. */
export function rejectionScenario(name: string, body: () => string, full: number): Scenario {
  return {
    name,
    unit: 'ms per body',
    lowerIsBetter: true,
    peerLabel: 'JSON.parse of the same body',
    size: { full, smoke: 1 },
    ours: async (size) => timeRejection('ours', body(), size),
    peer: async (size) => timeRejection('peer', body(), size),
  };
}
