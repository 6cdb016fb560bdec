// Builds the WebAssembly kernels from assembly/attention.ts into dist/wasm/:
// attention-simd.wasm (128-bit SIMD) and attention-relaxed.wasm (relaxed
// SIMD's fused multiply-add). Run by the root's `npm run build`, `npm test`,
// `npm run bench` and `npm start` before `tsc -b`; skips a kernel whose output
// is newer than its sources, so it costs nothing when nothing changed.
//
// The memory is imported and shared (every thread's instance runs over the
// same bytes); the module has no data segments and no globals, so
// instantiating it on another thread writes nothing to that memory.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// The check below compiles the relaxed kernel too (Node 20 has relaxed SIMD behind this flag).
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'assembly', 'attention.ts');
const outDir = path.join(root, 'dist', 'wasm');
const inputs = [source, fileURLToPath(import.meta.url)];

const variants = [
  { name: 'simd', features: ['simd', 'threads'] },
  { name: 'relaxed', features: ['simd', 'threads', 'relaxed-simd'] },
];

function stale(out) {
  if (!fs.existsSync(out)) return true;
  const built = fs.statSync(out).mtimeMs;
  return inputs.some((file) => fs.statSync(file).mtimeMs > built);
}

const todo = variants.filter((v) => stale(path.join(outDir, `attention-${v.name}.wasm`)));
if (todo.length > 0) {
  const { default: asc } = await import('assemblyscript/asc');
  fs.mkdirSync(outDir, { recursive: true });
  for (const variant of todo) {
    const out = path.join(outDir, `attention-${variant.name}.wasm`);
    const args = [
      source,
      '--outFile',
      out,
      '--optimizeLevel',
      '3',
      '--runtime',
      'stub',
      '--importMemory',
      '--sharedMemory',
      '--noExportMemory',
      '--initialMemory',
      '2',
      '--maximumMemory',
      '65536',
      '--use',
      'abort=',
      ...variant.features.flatMap((f) => ['--enable', f]),
    ];
    const { error, stderr } = await asc.main(args);
    if (error) {
      console.error(stderr.toString());
      console.error(`build-wasm: the ${variant.name} kernel failed: ${error.message}`);
      process.exit(1);
    }
    // A data segment or a global would be rewritten by every thread's instantiation: refuse it.
    const module = new WebAssembly.Module(fs.readFileSync(out));
    const exports = WebAssembly.Module.exports(module)
      .map((e) => `${e.kind}:${e.name}`)
      .sort();
    if (exports.join(',') !== 'function:attend,function:scratchBytes,function:tileRows') {
      console.error(`build-wasm: unexpected exports of the ${variant.name} kernel: ${exports.join(', ')}`);
      process.exit(1);
    }
    console.log(`build-wasm: ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)`);
  }
}
