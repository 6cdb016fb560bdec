/**
 * Every ```ts (or ```typescript) block of the READMEs compiles: the root's, each package's,
 * each example's and the benchmarks'. A block is compiled as an ES module of its own (so
 * top-level await works, as in the examples), with the settings of tsconfig.base.json, and
 * `@erlmcp/*` resolves through the workspace to each package's public entry point, its
 * built declarations (`npm test` builds first): what a user of the published package sees.
 *
 * A block that is deliberately not a program (an API synopsis with `?` for optional
 * arguments, a fragment continuing the prose) is marked by a comment on the line before
 * its fence, with the reason:
 *
 *   <!-- not-compiled: a synopsis of the calls, not a program -->
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const MARKER = /^<!--\s*not-compiled:(.*)-->\s*$/;
const OPEN = /^```(ts|typescript)\s*$/;

interface Block {
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why it is not compiled, when it is marked. */
  skip?: string;
  /** The virtual file it is compiled as, beside its README so that node_modules resolve as for a user. */
  file: string;
}

function readmes(): string[] {
  const inFolders = ['packages', 'examples'].flatMap((folder) =>
    fs
      .readdirSync(path.join(ROOT, folder))
      .map((name) => path.join(ROOT, folder, name, 'README.md'))
      .filter((file) => fs.existsSync(file)),
  );
  return [path.join(ROOT, 'README.md'), ...inFolders, path.join(ROOT, 'benchmarks', 'README.md')].filter((f) =>
    fs.existsSync(f),
  );
}

/** The blocks of one README, and what is wrong with its markup (a marker on no ts block, an unclosed fence). */
function extract(readme: string): { blocks: Block[]; problems: string[] } {
  const lines = fs.readFileSync(readme, 'utf8').split('\n');
  const where = (i: number) => `${path.relative(ROOT, readme)}:${i + 1}`;
  const blocks: Block[] = [];
  const problems: string[] = [];
  let fence: string | undefined; // the fence of the block we are in (``` or ````), any language
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== undefined) {
      if (line.startsWith(fence)) {
        if (line.trim() !== fence)
          problems.push(`${where(i)}: text after a closing fence, which then does not close the block`);
        fence = undefined;
      }
      continue;
    }
    const marker = MARKER.exec(line);
    if (marker !== null) {
      const next = lines.slice(i + 1).findIndex((l) => l.trim() !== '');
      if (next < 0 || !OPEN.test(lines[i + 1 + next]!))
        problems.push(`${where(i)}: a not-compiled marker that is not followed by a ts block`);
      if (marker[1]!.trim() === '') problems.push(`${where(i)}: a not-compiled marker without its reason`);
      continue;
    }
    const open = /^(`{3,})/.exec(line);
    if (open === null) continue;
    fence = open[1]!;
    if (!OPEN.test(line)) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence!));
    if (end < 0) {
      problems.push(`${where(i)}: a ts block that never closes`);
      break;
    }
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const skip = before >= 0 ? MARKER.exec(lines[before]!)?.[1]?.trim() : undefined;
    const file = path.join(path.dirname(readme), `README.md.line-${i + 1}.mts`);
    blocks.push({ readme, line: i + 1, code: lines.slice(i + 1, end).join('\n') + '\n', skip, file });
  }
  if (fence !== undefined) problems.push(`${path.relative(ROOT, readme)}: a code block that never closes`);
  return { blocks, problems };
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
};

/** One program over every block (one type-check of the packages' declarations), diagnostics by file. */
function compile(blocks: Block[]): Map<string, string[]> {
  const virtual = new Map(blocks.map((b) => [b.file, b.code]));
  const base = ts.createCompilerHost(OPTIONS);
  const host: ts.CompilerHost = {
    ...base,
    fileExists: (f) => virtual.has(f) || base.fileExists(f),
    readFile: (f) => virtual.get(f) ?? base.readFile(f),
    getSourceFile: (f, language, onError, create) => {
      const code = virtual.get(f);
      return code === undefined
        ? base.getSourceFile(f, language, onError, create)
        : ts.createSourceFile(f, code, language, true);
    },
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options: OPTIONS, host });
  const byFile = new Map<string, string[]>(blocks.map((b) => [b.file, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const block = d.file === undefined ? undefined : blocks.find((b) => b.file === d.file!.fileName);
    if (block === undefined) {
      byFile.set('(outside the blocks)', [...(byFile.get('(outside the blocks)') ?? []), text]);
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    // Lines as in the README, so that a message points at the README's own line.
    byFile.get(block.file)!.push(`${path.relative(ROOT, block.readme)}:${block.line + 1 + line}: ${text}`);
  }
  return byFile;
}

const extracted = readmes().map(extract);
const blocks = extracted.flatMap((e) => e.blocks);
const compiled = blocks.filter((b) => b.skip === undefined);
// Compiled with the rest, to show that a wrong block is caught: a name the package does not export.
const wrong: Block = {
  readme: path.join(ROOT, 'packages', 'otp', 'README.md'),
  line: 0,
  code: "import { GenServer, NoSuchExport } from '@erlmcp/otp';\nGenServer.cast('x', NoSuchExport);\n",
  file: path.join(ROOT, 'packages', 'otp', 'README.md.wrong.mts'),
};
let diagnostics: Map<string, string[]>;

beforeAll(() => {
  diagnostics = compile([...compiled, wrong]);
}, 300_000);

test('a block that does not compile is reported, at its README line', () => {
  expect(diagnostics.get(wrong.file)).toEqual([expect.stringMatching(/^packages\/otp\/README\.md:1: .*NoSuchExport/)]);
});

test('README markup: markers precede ts blocks and give a reason, fences close', () => {
  expect(extracted.flatMap((e) => e.problems)).toEqual([]);
});

test('there are README blocks to compile', () => {
  expect(compiled.length).toBeGreaterThan(0);
});

test('nothing outside the blocks fails to compile', () => {
  expect(diagnostics.get('(outside the blocks)') ?? []).toEqual([]);
});

test.each(compiled.map((b) => [`${path.relative(ROOT, b.readme)}:${b.line}`, b] as const))(
  '%s compiles',
  (_name, block) => {
    expect(diagnostics.get(block.file)).toEqual([]);
  },
);
