/**
 * The WebAssembly kernels, built from assembly/attention.ts by
 * scripts/build-wasm.mjs into dist/wasm/ (part of `npm run build`): one with
 * 128-bit SIMD, one with relaxed SIMD's fused multiply-add.
 *
 * Relaxed SIMD sits behind a V8 flag on Node 20. V8's flags are process-wide
 * and a worker thread cannot be given V8 flags in its execArgv, but the flag
 * can be set at run time before a module compiles: each thread that loads
 * the relaxed kernel sets it (idempotent) and then compiles. Where it does
 * not take (another engine, a future Node without the flag), compiling
 * fails and 'auto' falls back to plain SIMD.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { AttentionArgError } from './errors';
import { TILE_ROWS, type Kernel } from './kernel';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

interface Exports {
  attend: (
    q: number,
    k: number,
    v: number,
    o: number,
    bias: number,
    rows: number,
    nk: number,
    d: number,
    limit0: number,
    c: number,
    scratch: number,
  ) => void;
  scratchBytes(d: number): number;
  tileRows(): number;
}

/** The built module's path; under ts-jest this file runs from src/, the build is in dist/ either way. */
export function wasmPath(name: 'relaxed' | 'simd'): string {
  return path.resolve(__dirname, '..', 'dist', 'wasm', `attention-${name}.wasm`);
}

const modules = new Map<string, WebAssembly.Module>();

function compile(name: 'relaxed' | 'simd'): WebAssembly.Module {
  let module = modules.get(name);
  if (module !== undefined) return module;
  const file = wasmPath(name);
  if (!fs.existsSync(file)) throw new AttentionArgError(`the ${name} kernel is not built (${file}): run npm run build`);
  if (name === 'relaxed') v8.setFlagsFromString(RELAXED_FLAG);
  module = new WebAssembly.Module(fs.readFileSync(file));
  modules.set(name, module);
  return module;
}

class WasmKernel implements Kernel {
  readonly attend: Exports['attend'];
  private readonly exports: Exports;

  constructor(
    readonly name: 'relaxed' | 'simd',
    memory: WebAssembly.Memory,
  ) {
    const instance = new WebAssembly.Instance(compile(name), { env: { memory } });
    this.exports = instance.exports as unknown as Exports;
    if (this.exports.tileRows() !== TILE_ROWS)
      throw new Error(`the ${name} kernel was built for ${this.exports.tileRows()} rows per tile, not ${TILE_ROWS}`);
    this.attend = this.exports.attend;
  }

  scratchBytes(d: number): number {
    return this.exports.scratchBytes(d);
  }

  workingBytes(d: number): number {
    return this.exports.scratchBytes(d);
  }
}

/** Compiles (once per thread) and instantiates a WebAssembly kernel over `memory`. */
export function loadWasmKernel(memory: WebAssembly.Memory, name: 'relaxed' | 'simd'): Kernel {
  return new WasmKernel(name, memory);
}
