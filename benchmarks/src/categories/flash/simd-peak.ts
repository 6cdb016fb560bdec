/**
 * The ceiling of 128-bit WebAssembly on this CPU: a loop of independent
 * relaxed-SIMD multiply-adds (12 chains, enough to cover the FMA latency
 * with the 16 vector registers V8 allocates), compiled by AssemblyScript at
 * run time and timed like our kernel (GFLOP per CPU-second, one thread). No
 * attention kernel in 128-bit WebAssembly can beat it, so it tells how near
 * our kernel is to what the instruction set allows, and whether a target
 * against a native kernel is reachable at all on this machine.
 */
import v8 from 'node:v8';
import type { Measurement } from '../../harness/types';
import { medianCpuMs } from './data';

const CHAINS = 12;

function source(): string {
  const names = Array.from({ length: CHAINS }, (_, i) => `a${i}`);
  return [
    'export function peak(iters: i32): f32 {',
    '  const x = f32x4.splat(0.9999999);',
    '  const y = f32x4.splat(1e-7);',
    ...names.map((a, i) => `  let ${a} = f32x4.splat(${1 + i / 10});`),
    '  for (let i = 0; i < iters; i++) {',
    ...names.map((a) => `    ${a} = f32x4.relaxed_madd(${a}, x, y);`),
    '  }',
    `  let s = ${names[0]};`,
    ...names.slice(1).map((a) => `  s = f32x4.add(s, ${a});`),
    '  return f32x4.extract_lane(s, 0);',
    '}',
  ].join('\n');
}

type Peak = (iters: number) => number;

async function compile(): Promise<Peak> {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  // assemblyscript is ESM only, and a static `import('assemblyscript/asc')` would pull its type
  // declarations (which declare globals such as `require`) into this program: a Function-built
  // import keeps both the types and tsc out of it.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant source, see above
  const load = new Function('s', 'return import(s)') as (s: string) => Promise<{ default: AscApi }>;
  const { default: asc } = await load('assemblyscript/asc');
  const out = await asc.compileString(
    { 'peak.ts': source() },
    { optimizeLevel: 3, runtime: 'stub', enable: ['simd', 'relaxed-simd'] },
  );
  if (out.error || !out.binary)
    throw new Error(`simd-peak: AssemblyScript failed: ${out.error?.message ?? 'no binary'}\n${String(out.stderr)}`);
  const instance = new wasm.Instance(new wasm.Module(out.binary));
  return instance.exports.peak as Peak;
}

/** WebAssembly's JS API, which TypeScript declares only in the DOM libraries; Node 20 has it. */
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

interface AscApi {
  compileString(
    sources: Record<string, string>,
    options: Record<string, unknown>,
  ): Promise<{ error: Error | null; binary: Uint8Array | null; stderr: unknown }>;
}

/** The relaxed-SIMD multiply-add peak on this thread: GFLOP per CPU-second (size = millions of loop iterations). */
export async function simdPeak(millions: number): Promise<Measurement> {
  const peak = await compile();
  const iters = Math.max(1, Math.round(millions * 1e6));
  peak(100_000); // untimed: tiered up
  const ms = await medianCpuMs(5, () => peak(iters));
  return { value: (iters * CHAINS * 8) / (ms * 1e6), ms };
}
