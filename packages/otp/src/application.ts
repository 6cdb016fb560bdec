/**
 * Application: OTP's application master, reduced to what a Node program needs. The callback
 * "module" is the ApplicationSpec given to Application.start:
 *
 *   name         unique among running applications (AlreadyStartedError otherwise)
 *   supervisor   a SupervisorSpec (started unlinked as the top supervisor), or a function that
 *                starts the top supervisor and resolves with its pid (OTP's start/2)
 *   prepStop?()  runs before the tree is stopped (prep_stop/1); may be async. Default: none
 *   stop?()      runs after the tree has stopped (stop/1); may be async. Default: none
 *
 * Application.stop(name) (or app.stop()) runs prepStop, stops the tree (children in reverse
 * order), then stop. A tree that gives up (restart intensity) stops the application, which is
 * reported on the node's logger and its 'application:stop' event. node.stop() stops every
 * application, newest first.
 */
import { currentNode } from './current';
import { AlreadyStartedError, BadArgError } from './errors';
import { stopServer } from './gen-server';
import type { Node, Stoppable } from './node';
import type { Pid } from './pid';
import { formatReason, isNormalExit, type ExitReason } from './reason';
import { start as startSupervisor, type SupervisorSpec } from './supervisor';

export interface ApplicationSpec {
  name: string;
  /** The top supervisor, or a function that starts it (unlinked) and returns its pid. */
  supervisor: SupervisorSpec | (() => Promise<Pid>);
  /** Runs before the supervision tree is stopped (OTP's prep_stop). */
  prepStop?: () => void | Promise<void>;
  /** Runs after the supervision tree has stopped (OTP's stop/1). */
  stop?: () => void | Promise<void>;
}

/** A started application: its top supervisor and how to stop it. */
export class RunningApplication implements Stoppable {
  private stopped = false;
  /** Resolves with the top supervisor's exit reason, whether stopped or failed. */
  readonly exited: Promise<ExitReason>;

  constructor(
    private readonly node: Node,
    readonly name: string,
    readonly pid: Pid,
    private readonly spec: ApplicationSpec,
  ) {
    this.exited = node.awaitExit(pid);
    void this.exited.then((reason) => {
      if (this.stopped) return;
      // The tree ended on its own (restart intensity reached): the application has stopped.
      this.stopped = true;
      node.removeStoppable(this);
      applications(node).delete(name);
      node.logger.log(isNormalExit(reason) ? 'info' : 'error', `application ${name} exited: ${formatReason(reason)}`);
      node.events.emit('application:stop', { name, reason });
    });
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Stops the tree (children in reverse start order), then runs the stop callback. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.node.removeStoppable(this);
    applications(this.node).delete(this.name);
    await this.spec.prepStop?.();
    try {
      await stopServer(this.pid, 'shutdown');
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'noproc')) throw error;
    }
    await this.spec.stop?.();
    this.node.logger.info(`application ${this.name} stopped`);
    this.node.events.emit('application:stop', { name: this.name, reason: 'stopped' });
  }
}

/** Per node: the running applications, and the names whose start is in flight (reserved before the first await). */
interface Applications {
  running: Map<string, RunningApplication>;
  starting: Set<string>;
}

const registry = new WeakMap<Node, Applications>();
function applicationsOf(node: Node): Applications {
  let apps = registry.get(node);
  if (apps === undefined) registry.set(node, (apps = { running: new Map(), starting: new Set() }));
  return apps;
}

function applications(node: Node): Map<string, RunningApplication> {
  return applicationsOf(node).running;
}

/**
 * application:start. Starts of one name are serialised like OTP's application controller:
 * while a start is in flight or the application runs, another start rejects with
 * AlreadyStartedError (pid set once the tree runs). A failed start releases the name.
 * The node stops running applications, newest first, when it stops.
 */
export async function startApplication(spec: ApplicationSpec): Promise<RunningApplication> {
  const node = currentNode();
  const { running: apps, starting: pending } = applicationsOf(node);
  if (apps.has(spec.name) || pending.has(spec.name)) {
    throw new AlreadyStartedError(`application ${spec.name}`, apps.get(spec.name)?.pid);
  }
  pending.add(spec.name);
  let pid: Pid;
  try {
    pid = typeof spec.supervisor === 'function' ? await spec.supervisor() : await startSupervisor(spec.supervisor);
  } finally {
    pending.delete(spec.name);
  }
  const app = new RunningApplication(node, spec.name, pid, spec);
  apps.set(spec.name, app);
  node.addStoppable(app);
  node.logger.info(`application ${spec.name} started at ${pid}`);
  node.events.emit('application:start', { name: spec.name, pid });
  return app;
}

export const Application = {
  start: startApplication,
  /** application:stop by name. */
  stop: async (name: string): Promise<void> => {
    const app = applications(currentNode()).get(name);
    if (app === undefined) throw new BadArgError(`application ${name} is not running`);
    await app.stop();
  },
  /** application:which_applications */
  which: (): string[] => [...applications(currentNode()).keys()],
  get: (name: string): RunningApplication | undefined => applications(currentNode()).get(name),
} as const;
