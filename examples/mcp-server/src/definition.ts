import {
  GenServer,
  type Pid,
  type ProcessInfo,
  processes,
  processInfo,
  self,
  supervisionTree,
  type TreeNode,
} from '@erlmcp/otp';
import { ResourceNotFoundError } from '@erlmcp/mcp';
import { defineServer, type McpServerDefinition } from '@erlmcp/mcp/server';
import { sessionServer } from '@erlmcp/mcp/hosting';
import { type Calculation, CALCULATOR, type CalculatorCall } from './calculator';

/** Items one cart may hold: a client cannot grow the server's memory through one handle. */
const MAX_CART_ITEMS = 100;

/** Registered name of the application's top supervisor. */
export const TOP = 'mcp_server_top';

export interface TreeSummary {
  id: string | undefined;
  pid: string;
  kind: 'supervisor' | 'worker';
  behaviour: string;
  children: TreeSummary[] | { count: number };
}

/** The behaviour of a session process, as processInfo and the tree name it. */
const SESSION_BEHAVIOUR = `gen_server:${sessionServer.name}`;

/**
 * Sessions belong to their clients: a client may see its own session process, and only a
 * count of the others (which pids exist, their mailboxes and message counts are theirs).
 */
function isSession(pid: Pid): boolean {
  return processInfo(pid)?.behaviour === SESSION_BEHAVIOUR;
}

/** The process running this handler: the session's own, when the session is hosted (undefined otherwise). */
function ownProcess(): string | undefined {
  try {
    return String(self());
  } catch {
    return undefined;
  }
}

/** What a client is shown of a process: its links to session processes only counted. */
function describeProcess(info: ProcessInfo): Record<string, unknown> {
  const links = info.links.filter((pid) => !isSession(pid));
  return {
    pid: String(info.pid),
    name: info.name,
    behaviour: info.behaviour,
    status: info.status,
    messageQueueLen: info.messageQueueLen,
    messagesHandled: info.messagesHandled,
    links: links.map(String),
    sessionLinks: info.links.length - links.length,
    monitors: info.monitors.length,
    monitoredBy: info.monitoredBy.length,
    trapExit: info.trapExit,
    scheduler: info.scheduler,
  };
}

/** The tree as data; a supervisor of sessions, or of many children, is summarised by its count. */
function summarise(node: TreeNode, maxChildren = 10): TreeSummary {
  const counted =
    node.children.length > maxChildren || node.children.some((child) => child.behaviour === SESSION_BEHAVIOUR);
  return {
    id: node.id,
    pid: String(node.pid),
    kind: node.kind,
    behaviour: node.behaviour,
    children: counted ? { count: node.children.length } : node.children.map((child) => summarise(child, maxChildren)),
  };
}

function render(node: TreeSummary, indent = ''): string[] {
  const head = `${indent}${node.id ?? 'mcp-server'} ${node.pid} ${node.behaviour}`;
  if (!Array.isArray(node.children)) return [head, `${indent}  … ${node.children.count} children`];
  return [head, ...node.children.flatMap((child) => render(child, `${indent}  `))];
}

/** What the server offers: the definition lives on scheduler 0 with the sessions that use it. */
export function serverDefinition(): McpServerDefinition {
  return defineServer(
    { name: 'erlmcp-example', title: 'erlmcp example server', version: '0.1.0' },
    {
      instructions:
        'Tools: echo, calculate, runtime_info, count, cart. Resources: erlmcp://runtime/tree, erlmcp://about. Prompt: explain_tree.',
    },
  )
    .tool<{ text: string }>({
      name: 'echo',
      title: 'Echo',
      description: 'Returns its text unchanged',
      inputSchema: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true, idempotentHint: true },
      handler: ({ text }) => ({ content: [{ type: 'text', text }] }),
    })
    .tool<Calculation>({
      name: 'calculate',
      title: 'Calculator',
      description: 'Computes a op b in the calculator worker process; arguments are checked against the schema first',
      inputSchema: {
        type: 'object',
        properties: {
          op: { type: 'string', enum: ['add', 'subtract', 'multiply', 'divide', 'power'] },
          a: { type: 'number' },
          b: { type: 'number' },
        },
        required: ['op', 'a', 'b'],
        additionalProperties: false,
      },
      outputSchema: { type: 'object', properties: { result: { type: 'number' } }, required: ['result'] },
      annotations: { readOnlyHint: true },
      handler: async (calculation) => {
        // A tool error (isError), not a crash: a client must not be able to wear the worker's restart budget down.
        if (calculation.op === 'divide' && calculation.b === 0)
          throw new RangeError(`cannot divide ${calculation.a} by zero`);
        const request: CalculatorCall = { kind: 'calculate', calculation };
        const result = (await GenServer.call(CALCULATOR, request)) as number;
        // JSON has no Infinity or NaN (they would be sent as null, against the outputSchema).
        if (!Number.isFinite(result))
          throw new RangeError(`${calculation.op} of ${calculation.a} and ${calculation.b} is not a finite number`);
        return { structuredContent: { result } };
      },
    })
    .tool({
      name: 'runtime_info',
      title: 'Runtime info',
      description: "The runtime's own process count and supervision tree",
      inputSchema: { type: 'object', properties: {} },
      annotations: { readOnlyHint: true },
      handler: async () => {
        const tree = await supervisionTree(TOP);
        const summary = tree === undefined ? undefined : summarise(tree);
        const info = { processes: processes().length, memory: process.memoryUsage().rss, tree: summary };
        return {
          content: [
            { type: 'text', text: [`${info.processes} processes`, ...(summary ? render(summary) : [])].join('\n') },
          ],
          structuredContent: info as unknown as Record<string, unknown>,
        };
      },
    })
    .tool<{ to: number }>({
      name: 'count',
      title: 'Count',
      description:
        'Counts from 1 to `to`, sending a progress notification at each step when the call carries a progressToken',
      inputSchema: {
        type: 'object',
        properties: { to: { type: 'integer', minimum: 1, maximum: 10000 } },
        required: ['to'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true },
      handler: ({ to }, ctx) => {
        for (let i = 1; i <= to; i++) ctx.progress(i, to);
        return { content: [{ type: 'text', text: `counted to ${to}` }] };
      },
    })
    .tool<{ cart?: string; add?: string }>({
      name: 'cart',
      title: 'Cart',
      description:
        'A list kept across calls. Without `cart` it starts one and returns its handle; pass that handle back as `cart` (with `add` to append an item). A handle is unguessable, works only for the credentials that made it, and expires 30 minutes after its last change.',
      inputSchema: {
        type: 'object',
        properties: { cart: { type: 'string' }, add: { type: 'string', minLength: 1, maxLength: 200 } },
        additionalProperties: false,
      },
      handler: ({ cart, add }, ctx) => {
        // The 2026-07-28 replacement of session state: a server-minted handle, passed as an argument.
        const handle = cart ?? ctx.handles.create([]);
        // Another client's handle, an altered or an expired one: -32602, as if it never existed.
        const items = ctx.handles.get<string[]>(handle);
        if (add !== undefined) {
          if (items.length >= MAX_CART_ITEMS) throw new RangeError(`a cart holds at most ${MAX_CART_ITEMS} items`);
          ctx.handles.set(handle, [...items, add]);
        }
        const now = ctx.handles.get<string[]>(handle);
        return {
          content: [{ type: 'text', text: `cart ${handle}: ${now.length === 0 ? '(empty)' : now.join(', ')}` }],
          structuredContent: { cart: handle, items: now },
        };
      },
    })
    .resource({
      uri: 'erlmcp://about',
      name: 'about',
      title: 'About this server',
      description: 'What this server is and how it is built',
      mimeType: 'text/markdown',
      read: (uri) => [
        {
          uri,
          mimeType: 'text/markdown',
          text: '# erlmcp example\nEach MCP session is a GenServer under a DynamicSupervisor; the calculator is a supervised worker.',
        },
      ],
    })
    .resource({
      uri: 'erlmcp://runtime/tree',
      name: 'supervision-tree',
      title: 'Supervision tree',
      description: 'The live supervision tree as JSON',
      mimeType: 'application/json',
      read: async (uri) => {
        const tree = await supervisionTree(TOP);
        return [
          { uri, mimeType: 'application/json', text: JSON.stringify(tree === undefined ? null : summarise(tree)) },
        ];
      },
    })
    .resourceTemplate({
      uriTemplate: 'erlmcp://process/{pid}',
      name: 'process',
      title: 'A process',
      description:
        'processInfo of one process of this runtime, by pid (<0.12.0>); of the session processes, only your own',
      mimeType: 'application/json',
      read: (uri, { pid }) => {
        const found = processes().find((candidate) => String(candidate) === String(pid));
        const info = found === undefined ? undefined : processInfo(found);
        // Another client's session is not found, as if it did not exist.
        if (info === undefined || (info.behaviour === SESSION_BEHAVIOUR && String(info.pid) !== ownProcess()))
          throw new ResourceNotFoundError(uri);
        return [{ uri, mimeType: 'application/json', text: JSON.stringify(describeProcess(info)) }];
      },
    })
    .prompt({
      name: 'explain_tree',
      title: 'Explain the supervision tree',
      description: 'Asks the model to explain this server’s supervision tree',
      arguments: [{ name: 'audience', description: 'Who the explanation is for', required: false }],
      handler: async ({ audience }) => {
        const tree = await supervisionTree(TOP);
        return [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Explain this Erlang/OTP-style supervision tree to ${audience ?? 'a TypeScript developer'}:\n${tree === undefined ? '(not running)' : render(summarise(tree)).join('\n')}`,
            },
          },
        ];
      },
      complete: {
        audience: (value) =>
          ['a TypeScript developer', 'an Erlang developer', 'a manager'].filter((a) => a.startsWith(value)),
      },
    })
    .build();
}
