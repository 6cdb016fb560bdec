/**
 * The `erlmcp` command line, on commander: start, bench, report, project, observer.
 * `run(argv)` resolves with the exit code (see exit-codes.ts); it never calls process.exit,
 * so tests run it in process as well as through the bin.
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { findCheckout } from './checkout';
import { ExitCode } from './exit-codes';
import { observerAnswers, openInBrowser } from './open-url';
import { runNode } from './run';

/** This package's version (src/cli and dist/cli are both two levels below its package.json). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json sits outside rootDir, so it cannot be imported
const VERSION = (require('../../package.json') as { version: string }).version;
const SERVER = path.join('examples', 'mcp-server', 'dist', 'main.js');
const BENCH = path.join('benchmarks', 'dist', 'run.js');

const EXIT_CODES = `
Exit codes:
  0  done
  1  the command failed
  2  bad usage (unknown command or option, a missing or malformed value)
  3  the repository checkout or its built files were not found (run \`npm run build\` in it)
  4  observer: nothing answered at the observer's URL
  start, bench, report and project exit with the code of the program they run.`;

const NEEDS_CHECKOUT = (file: string): string =>
  `\nNeeds the erlmcp-ts repository checkout, built (\`npm ci && npm run build\`): it runs ${file} there.\nThe checkout is --repo, else the first folder holding it from the working directory up.`;

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function run(
  argv: readonly string[],
  io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = new Command('erlmcp');
  const checkout = (file: string): string | undefined => {
    const found = findCheckout(file, program.opts<{ repo?: string }>().repo);
    if (found === undefined) {
      io.err(
        `erlmcp: ${file} not found: run this in an erlmcp-ts checkout built with \`npm run build\` (or give --repo <dir>)\n`,
      );
      code = ExitCode.NoCheckout;
    }
    return found;
  };
  const bench = async (args: string[]): Promise<void> => {
    const root = checkout(BENCH);
    if (root !== undefined) code = await runNode(BENCH, args, { cwd: root, nodeArgs: ['--expose-gc'] });
  };

  program
    .description(
      'erlmcp-ts: run the MCP server, the benchmarks and their report, scaling projections, and open the observer',
    )
    .version(VERSION)
    .option('--repo <dir>', 'the erlmcp-ts repository checkout, for start, bench, report and project')
    .enablePositionalOptions()
    .showHelpAfterError('(erlmcp --help lists the commands)')
    .addHelpText('after', EXIT_CODES)
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride();

  program
    .command('start')
    .description('run the example MCP server (Streamable HTTP, WebSocket, /metrics, /observer) until Ctrl-C')
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0: any free port)')
        .argParser(integer('port', 0, 65535))
        .default(3000),
    )
    .addHelpText('after', NEEDS_CHECKOUT(SERVER) + EXIT_CODES)
    .action(async (options: { port: number }) => {
      const root = checkout(SERVER);
      if (root !== undefined)
        code = await runNode(SERVER, [], { cwd: root, env: { ...process.env, PORT: String(options.port) } });
    });

  program
    .command('bench')
    .description(
      'run the benchmark suite (every category, or those named); options after it go to the suite, e.g. --smoke, --only a,b, --compare baseline.json',
    )
    .argument('[args...]', "the suite's own arguments")
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText('after', NEEDS_CHECKOUT(BENCH) + EXIT_CODES)
    .action(async (args: string[]) => bench(args));

  program
    .command('report')
    .description('write benchmarks/results/report.html from the latest results')
    .argument('[args...]', "the report's own arguments")
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText('after', NEEDS_CHECKOUT(BENCH) + EXIT_CODES)
    .action(async (args: string[]) => bench(['report', ...args]));

  program
    .command('project')
    .description(
      "project nodes, memory, throughput and network for a number of connections from this machine's measured figures",
    )
    .requiredOption(
      '-c, --connections <n>',
      'connections to project for, e.g. 500000',
      integer('connections', 1, Number.MAX_SAFE_INTEGER),
    )
    .addHelpText('after', NEEDS_CHECKOUT(BENCH) + EXIT_CODES)
    .action(async (options: { connections: number }) =>
      bench(['project', '--connections', String(options.connections)]),
    );

  program
    .command('observer')
    .description("open a running server's observer in the browser")
    .option('-u, --url <url>', "the observer's URL (default: http://127.0.0.1:<port>/observer)")
    .addOption(
      new Option('-p, --port <port>', 'port of a local server').argParser(integer('port', 1, 65535)).default(3000),
    )
    .option('--no-open', 'only check that it answers and print the URL')
    .addHelpText('after', EXIT_CODES)
    .action(async (options: { url?: string; port: number; open: boolean }) => {
      let url: string;
      try {
        url = new URL(options.url ?? `http://127.0.0.1:${options.port}/observer/`).href;
      } catch {
        io.err(`erlmcp: not a URL: ${options.url}\n`);
        code = ExitCode.Usage;
        return;
      }
      if (!(await observerAnswers(url, 5000))) {
        io.err(`erlmcp: no observer answered at ${url} (is the server running? \`erlmcp start\`)\n`);
        code = ExitCode.Unreachable;
        return;
      }
      io.out(`${url}\n`);
      if (options.open && !(await openInBrowser(url))) {
        io.err('erlmcp: could not start a browser (xdg-open, open or start): open the URL above yourself\n');
        code = ExitCode.Failed;
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version exit 0; every other commander error is bad usage.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  return code;
}
