import { execFile } from 'node:child_process';
import path from 'node:path';

// What each entry of the package loads, measured in a fresh node process: the built entry
// (resolved through the package's `exports`, as a user's require would) is required, then
// every file in require.cache is listed. The package is CommonJS, so require.cache holds
// every module it loaded. `npm test` builds before jest runs.

const PACKAGE_DIR = path.resolve(__dirname, '..');
const DIST = `${path.join(PACKAGE_DIR, 'dist')}${path.sep}`;

type Entry = '@erlmcp/mcp' | '@erlmcp/mcp/client' | '@erlmcp/mcp/server' | '@erlmcp/mcp/hosting';

/** The files a fresh process holds after requiring `entry`, real paths. */
function loadedBy(entry: Entry): Promise<string[]> {
  const script = `
    const before = new Set(Object.keys(require.cache));
    require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) => !before.has(file))));
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { cwd: PACKAGE_DIR, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as string[]);
      },
    );
  });
}

/** What of a list of files belongs to the runtime or its dependencies. */
function runtimeFiles(files: string[]): string[] {
  const runtime = [
    `${path.sep}packages${path.sep}otp${path.sep}`,
    `${path.sep}packages${path.sep}shm${path.sep}`,
    `${path.sep}@erlmcp${path.sep}otp${path.sep}`,
  ];
  const libraries = ['winston', 'msgpackr', 'comlink', 'eventemitter3'].map(
    (name) => `${path.sep}node_modules${path.sep}${name}${path.sep}`,
  );
  return files.filter((file) => [...runtime, ...libraries].some((part) => file.includes(part)));
}

/** This package's own files among them, relative to dist/. */
function ownFiles(files: string[]): string[] {
  return files.filter((file) => file.startsWith(DIST)).map((file) => file.slice(DIST.length).split(path.sep).join('/'));
}

describe('each entry loads only its role', () => {
  test('@erlmcp/mcp/client: no runtime (@erlmcp/otp, winston, msgpackr, comlink), no server, no hosting', async () => {
    const files = await loadedBy('@erlmcp/mcp/client');
    const own = ownFiles(files);
    // It did load the client: the check below is about a real module graph.
    expect(own).toEqual(
      expect.arrayContaining(['client.js', 'client/session.js', 'protocol/peer.js', 'transport/http/client.js']),
    );
    expect(runtimeFiles(files)).toEqual([]);
    expect(own.filter((file) => file.startsWith('server') || file.startsWith('hosting'))).toEqual([]);
  });

  test('@erlmcp/mcp (the core): neither side and no runtime', async () => {
    const files = await loadedBy('@erlmcp/mcp');
    const own = ownFiles(files);
    expect(own).toEqual(expect.arrayContaining(['index.js', 'jsonrpc/codec.js']));
    expect(runtimeFiles(files)).toEqual([]);
    expect(own.filter((file) => /^(client|server|hosting)(\/|\.js$)/.test(file))).toEqual([]);
  });

  test('@erlmcp/mcp/server: no runtime and no hosting, though its transports serve hosted sessions', async () => {
    const files = await loadedBy('@erlmcp/mcp/server');
    const own = ownFiles(files);
    expect(own).toEqual(
      expect.arrayContaining(['server.js', 'transport/http/streamable-http.js', 'transport/websocket-server.js']),
    );
    expect(runtimeFiles(files)).toEqual([]);
    expect(own.filter((file) => file.startsWith('hosting') || file.startsWith('client'))).toEqual([]);
  });

  test('@erlmcp/mcp/hosting loads the runtime (the check above would see it)', async () => {
    const files = await loadedBy('@erlmcp/mcp/hosting');
    expect(runtimeFiles(files).some((file) => file.includes(`${path.sep}otp${path.sep}`))).toBe(true);
    expect(runtimeFiles(files).some((file) => file.includes(`${path.sep}winston${path.sep}`))).toBe(true);
  });
});
