import { readdirSync } from 'node:fs';
import path from 'node:path';
import { cycles, importGraph, type ImportEdge } from '../../test-support/import-graph';

const ROOT = path.resolve(__dirname, '..', '..');
const packages = readdirSync(path.join(ROOT, 'packages')).sort();

const show = (found: string[][]) => found.map((cycle) => cycle.join(' -> '));

describe('imports between the files of a package', () => {
  describe.each(packages)('packages/%s/src', (name) => {
    const edges: ImportEdge[] = importGraph(path.join(ROOT, 'packages', name, 'src'));

    it('form no cycle at run time', () => {
      expect(show(cycles(edges.filter((edge) => !edge.typeOnly)))).toEqual([]);
    });

    it('form no cycle through type imports, except where a `// type cycle:` comment says why', () => {
      expect(show(cycles(edges.filter((edge) => !edge.explained)))).toEqual([]);
    });
  });
});

describe('the cycle finder', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly, explained: false });

  it('reports a cycle as a path back to its start', () => {
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('finds none in a graph without one', () => {
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });

  it('reads type-only imports, require() and re-exports from source', () => {
    const edges = importGraph(path.join(ROOT, 'packages', 'otp', 'src'));
    expect(edges.some((e) => e.typeOnly)).toBe(true);
    expect(edges.some((e) => !e.typeOnly)).toBe(true);
    expect(edges.some((e) => e.from === 'index.ts' && !e.typeOnly)).toBe(true);
  });
});
