import { type DistributionPort, type Node, nodeRuntime, type NodeRuntime, type RuntimeProcess } from '@erlmcp/otp';
import {
  AGENT_NAME,
  isAsk,
  wireError,
  type AgentAnswer,
  type AgentAsk,
  type AgentEvent,
  type Snapshot,
} from './agent-protocol';
import type { NodeEvent } from './dist-types';
import { DistBadArgError } from './errors';
import type { GlobalRegistry } from './global';

/** What the agent needs of its DistNode. */
export interface AgentHost {
  readonly node: Node;
  readonly port: DistributionPort;
  readonly name: string;
  readonly connected: boolean;
  readonly global: GlobalRegistry | null;
  nodes(): string[];
  nodeId(name: string): number;
  onNodeEvent(listener: (event: NodeEvent) => void): () => void;
}

/**
 * The main thread's DistNode for the worker schedulers of its node: a process on scheduler 0
 * (registered as AGENT_NAME) that answers their WorkerDists' asks (a snapshot, global register
 * and unregister), and streams them what their copies need (nodeup, nodedown, global name
 * changes). Answers and events are notes of the port (`tellWorkers`): they travel the ring
 * with the port's own controls and are applied as the worker reads them, so a worker's copy
 * changes in the order things happened here, right after its port heard of a nodedown, and
 * before any message sent after the change reaches a process there.
 */
export class DistAgent {
  private readonly process: RuntimeProcess;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly node: NodeRuntime;
  /** Events go out once a worker has asked for a snapshot (none are made for a node whose workers never use the API). */
  private streaming = false;

  constructor(private readonly host: AgentHost) {
    this.node = nodeRuntime(host.node);
    this.process = this.node.spawnFrom(
      null,
      async (ctx) => {
        for (;;) {
          const message = await ctx.receive();
          try {
            if (isAsk(message)) this.answer(message);
            else host.node.logger.warn(`dist ${host.name}: the agent dropped a message it does not know`);
          } catch (error) {
            host.node.logger.error(`dist ${host.name}: the agent could not answer: ${(error as Error).message}`);
          }
        }
      },
      { name: AGENT_NAME },
    );
    this.unsubscribe.push(
      host.onNodeEvent((event) =>
        this.broadcast({
          distEvent: event.kind,
          node: event.node,
          id: event.id,
          reason: event.reason,
          connected: host.connected,
        }),
      ),
    );
    if (host.global !== null)
      this.unsubscribe.push(
        host.global.onChange((name, pid) => this.broadcast({ distEvent: 'name', name, pid: pid ?? null })),
      );
  }

  /** Ends the agent: the workers' WorkerDists see it exit and close (their node left). */
  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.process.alive) this.node.exit(this.process.self, 'shutdown');
  }

  private broadcast(event: AgentEvent): void {
    if (this.streaming) this.host.port.tellWorkers(event);
  }

  private answer({ distAsk, scheduler, request }: AgentAsk): void {
    const reply = (outcome: { ok: unknown } | { error: unknown }) =>
      this.host.port.tellWorkers(
        ('ok' in outcome
          ? { distAnswer: distAsk, ok: outcome.ok }
          : { distAnswer: distAsk, error: wireError(outcome.error) }) satisfies AgentAnswer,
        scheduler,
      );
    const global = this.host.global;
    const run = (work: () => Promise<unknown>) =>
      work().then(
        (ok) => reply({ ok: ok ?? null }),
        (error: unknown) => reply({ error }),
      );
    switch (request.kind) {
      case 'subscribe':
        this.streaming = true;
        return reply({ ok: this.snapshot() });
      case 'register':
        if (global === null) return reply({ error: new DistBadArgError('this node has no global registry') });
        return void run(() => global.registerName(request.name, request.pid));
      case 'unregister':
        if (global === null) return reply({ error: new DistBadArgError('this node has no global registry') });
        return void run(() => global.unregisterName(request.name));
      default:
        return reply({ error: new DistBadArgError(`unknown request ${String((request as { kind?: unknown }).kind)}`) });
    }
  }

  private snapshot(): Snapshot {
    const global = this.host.global;
    return {
      self: this.host.name,
      members: this.host.nodes().map((name) => [name, this.host.nodeId(name)]),
      names: global === null ? [] : global.registeredNames().map((name) => [name, global.whereisName(name)!]),
      connected: this.host.connected,
      global: global !== null,
    };
  }
}
