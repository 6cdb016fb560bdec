import type { Category } from '../harness/types';

/**
 * One category's module, loaded alone. A benchmark child measures one scenario of one category:
 * importing all twelve (and so every peer: the MCP SDK, nact, onnxruntime, NATS, ...) cost about
 * a second of CPU per child, which in the smoke run's two hundred children was a third of its time.
 */
export async function loadCategory(name: string): Promise<Category | undefined> {
  switch (name) {
    case 'otp':
      return (await import('./otp/index.js')).otp;
    case 'schedulers':
      return (await import('./schedulers/index.js')).schedulers;
    case 'mcp':
      return (await import('./mcp/index.js')).mcp;
    case 'ets':
      return (await import('./ets/index.js')).ets;
    case 'registry':
      return (await import('./registry/index.js')).registry;
    case 'ets-optimizer':
      return (await import('./ets-optimizer/index.js')).etsOptimizer;
    case 'batcher':
      return (await import('./batcher/index.js')).batcher;
    case 'flash':
      return (await import('./flash/index.js')).flash;
    case 'pool':
      return (await import('./pool/index.js')).pool;
    case 'tuning':
      return (await import('./tuning/index.js')).tuning;
    case 'cluster':
      return (await import('./cluster/index.js')).cluster;
    case 'scale':
      return (await import('./scale/index.js')).scale;
    default:
      return undefined;
  }
}
