import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import of a file by another file of the same source tree. */
export interface ImportEdge {
  from: string;
  to: string;
  /** Erased at compile time (`import type`, `typeof import(...)`): no run-time dependency. */
  typeOnly: boolean;
  /**
   * The import carries a `// type cycle: <why>` comment: a type-only cycle through it is
   * allowed, because the comment says why.
   */
  explained: boolean;
}

/** Every .ts file under `dir`, recursively, as paths relative to `dir`. */
function sourceFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix))) {
    const rel = path.join(prefix, entry);
    if (statSync(path.join(dir, rel)).isDirectory()) files.push(...sourceFiles(dir, rel));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(rel);
  }
  return files;
}

/** The file a relative specifier names inside `files`, or undefined (a package, or outside the tree). */
function resolve(files: Set<string>, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.join(path.dirname(from), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (files.has(candidate)) return candidate;
  return undefined;
}

/**
 * The imports between the files of one source tree: static imports and re-exports, `require()`
 * and `import()` calls (run time), and `typeof import()` types (type only).
 */
export function importGraph(dir: string): ImportEdge[] {
  const files = new Set(sourceFiles(dir));
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const lines = text.split('\n');
    const add = (node: ts.Node, specifier: string, typeOnly: boolean) => {
      const to = resolve(files, file, specifier);
      if (to === undefined) return;
      // The comment may stand on the line above the import or at the end of its last line.
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const around = lines.slice(Math.max(0, first - 1), last + 1).join('\n');
      edges.push({ from: file, to, typeOnly, explained: /\/\/ type cycle: \S/.test(around) });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        const typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              clause.namedBindings !== undefined &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.length > 0 &&
              clause.namedBindings.elements.every((element) => element.isTypeOnly)));
        add(node, node.moduleSpecifier.text, typeOnly);
      } else if (
        ts.isExportDeclaration(node) &&
        node.moduleSpecifier !== undefined &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const typeOnly =
          node.isTypeOnly ||
          (node.exportClause !== undefined &&
            ts.isNamedExports(node.exportClause) &&
            node.exportClause.elements.length > 0 &&
            node.exportClause.elements.every((element) => element.isTypeOnly));
        add(node, node.moduleSpecifier.text, typeOnly);
      } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!)) {
        const callee = node.expression;
        if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) {
          add(node, (node.arguments[0] as ts.StringLiteral).text, false);
        }
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        add(node, node.argument.literal.text, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

/** The cycles of a graph, each as a path that starts and ends at the same file (one per strongly connected component). */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    const list = next.get(edge.from) ?? [];
    if (!list.includes(edge.to)) list.push(edge.to);
    next.set(edge.from, list);
  }
  // Tarjan's strongly connected components, iterative so a deep tree cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of next.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [node, i] = frame;
      const targets = next.get(node) ?? [];
      if (i < targets.length) {
        frame[1]++;
        const target = targets[i]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push([target, 0]);
        } else if (onStack.has(target)) {
          low.set(node, Math.min(low.get(node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components.map((component) => pathThrough(component, next));
}

/** One cycle inside a strongly connected component, for the failure message: a -> b -> ... -> a. */
function pathThrough(component: string[], next: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start back to start, within the component.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of next.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at))
          path.unshift(at);
        return [start, ...path];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return component;
}
