import {
  Application,
  GenServer,
  Supervisor,
  supervisionTree,
  whereis,
  type ApplicationSpec,
  type Pid,
  type RunningApplication,
  type TreeNode,
} from '@erlmcp/otp';
import { cache } from './cache';
import { calculator } from './calculator';
import { greeter } from './greeter';

/**
 * The tree:
 *
 *   demo (one_for_one)
 *   ├── greeter      worker
 *   ├── calculator   worker, crashes on a division by zero
 *   └── storage      supervisor (one_for_all)
 *       └── cache    worker
 */
export const demoApplication: ApplicationSpec = {
  name: 'demo',
  supervisor: {
    strategy: 'one_for_one',
    intensity: 3,
    period: 5,
    children: [
      GenServer.childSpec('greeter', greeter, 'Hello', { name: 'greeter' }),
      GenServer.childSpec('calculator', calculator, undefined, { name: 'calculator' }),
      Supervisor.childSpec('storage', {
        strategy: 'one_for_all',
        children: [GenServer.childSpec('cache', cache, undefined, { name: 'cache' })],
      }),
    ],
  },
};

export function renderTree(tree: TreeNode, indent = ''): string[] {
  const label = `${tree.id ?? 'demo'} ${tree.pid} ${tree.kind}${tree.name ? ` (${tree.name})` : ''}`;
  return [indent + label, ...tree.children.flatMap((child) => renderTree(child, indent + '  '))];
}

export interface DemoResult {
  app: RunningApplication;
  crashedPid: Pid;
  restartedPid: Pid;
}

/** Starts the tree, crashes the calculator with a bad message, and shows that it was restarted. */
export async function runDemo(print: (line: string) => void): Promise<DemoResult> {
  const app = await Application.start(demoApplication);
  print('supervision tree:');
  for (const line of renderTree((await supervisionTree(app.pid))!)) print('  ' + line);

  print(await GenServer.call(GenServer.ref(greeter, 'greeter'), 'Ada'));
  const calc = GenServer.ref(calculator, 'calculator');
  print(`10 / 4 = ${await GenServer.call(calc, { op: 'divide', a: 10, b: 4 })}`);

  const crashedPid = whereis('calculator')!;
  print(`sending the calculator a bad message (1 / 0) ...`);
  const outcome = await GenServer.call(calc, { op: 'divide', a: 1, b: 0 }).catch((error: Error) => error);
  // The caller sees a typed error (the server died during the call), not a hang or an untyped throw.
  print(`the call failed with ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);

  // The supervisor restarts the calculator under the same name; the greeter is untouched.
  const restartedPid = await waitForRestart(app.pid, 'calculator', crashedPid);
  print(
    `calculator restarted: ${crashedPid} -> ${restartedPid}; its total starts again at ${await GenServer.call(calc, { op: 'total' })}`,
  );
  print('supervision tree after the restart:');
  for (const line of renderTree((await supervisionTree(app.pid))!)) print('  ' + line);
  return { app, crashedPid, restartedPid };
}

/** Asking the supervisor is a sync point: it answers only after it has handled the EXIT and restarted. */
async function waitForRestart(sup: Pid, id: string, old: Pid): Promise<Pid> {
  const child = (await Supervisor.whichChildren(sup)).find((c) => c.id === id);
  if (child === undefined || !(typeof child.pid === 'object') || child.pid.equals(old)) {
    throw new Error(`${id} was not restarted`);
  }
  return child.pid;
}
