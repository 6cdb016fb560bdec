import type { Node, Pid } from '@erlmcp/otp';
import {
  AGENT_NAME,
  isAsk,
  wireError,
  type AgentAnswer,
  type AgentAsk,
  type AgentEvent,
  type Snapshot,
} from './agent-protocol';
import type { NodeEvent } from './dist-node';
import { DistBadArgError } from './errors';
import type { GlobalRegistry } from './global';
import { internals, type LocalProcess, type NodeInternals } from './node-internals';

/** What the agent needs of its DistNode. */
export interface AgentHost {
  readonly node: Node;
  readonly name: string;
  readonly connected: boolean;
  readonly global: GlobalRegistry | null;
  nodes(): string[];
  nodeId(name: string): number;
  onNodeEvent(listener: (event: NodeEvent) => void): () => void;
}

/**
 * The main thread's DistNode for the worker schedulers of its node: a process on scheduler 0
 * (registered as AGENT_NAME) that answers their WorkerDists' questions (global register and
 * unregister) and streams them what their copies need (nodeup, nodedown, global name changes).
 * Every event and answer goes from scheduler 0 to a worker's mirror through one ring, so the
 * mirror sees them in the order they happened here: an answer never overtakes an event before it.
 */
export class DistAgent {
  private readonly mirrors = new Set<Pid>();
  private readonly process: LocalProcess;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly node: NodeInternals;

  constructor(private readonly host: AgentHost) {
    this.node = internals(host.node);
    this.process = this.node.spawnFrom(
      null,
      async (ctx) => {
        for (;;) {
          const message = await ctx.receive();
          if (isAsk(message)) this.answer(message);
          else host.node.logger.warn(`dist ${host.name}: the agent dropped a message it does not know`);
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

  get pid(): Pid {
    return this.process.self;
  }

  /** Ends the agent: the mirrors see it exit and close (their node left). */
  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.mirrors.clear();
    if (this.process.alive) this.node.exit(this.process.self, 'shutdown');
  }

  private broadcast(event: AgentEvent): void {
    for (const mirror of this.mirrors) this.node.send(mirror, event);
  }

  private answer({ distAsk, replyTo, request }: AgentAsk): void {
    const reply = (outcome: { ok: unknown } | { error: unknown }) =>
      this.node.send(
        replyTo,
        ('ok' in outcome
          ? { distAnswer: distAsk, ok: outcome.ok }
          : { distAnswer: distAsk, error: wireError(outcome.error) }) satisfies AgentAnswer,
      );
    const global = this.host.global;
    const run = (work: () => Promise<unknown>) =>
      work().then(
        (ok) => reply({ ok: ok ?? null }),
        (error: unknown) => reply({ error }),
      );
    switch (request.kind) {
      case 'subscribe':
        if (!this.mirrors.has(replyTo)) {
          this.mirrors.add(replyTo);
          void this.node.awaitExit(replyTo).then(() => this.mirrors.delete(replyTo));
        }
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
