// Resolve hook: a bare 'fs' / 'node:fs' imported by the conformance package (0.1.16, or the
// 0.2.0 alpha installed as conformance-2026) gets the shim.
const shim = new URL('./fs-glob-shim.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (
    (specifier === 'fs' || specifier === 'node:fs') &&
    /\/@modelcontextprotocol\/conformance(?:-2026)?\//.test(context.parentURL ?? '')
  ) {
    return { url: shim, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
