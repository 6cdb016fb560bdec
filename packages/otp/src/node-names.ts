import type { ClusterService } from './cluster-service';
import { AlreadyRegisteredError, BadArgError, NoProcError } from './errors';
import { checkLocalName } from './names';
import type { Pid } from './pid';
import { Flag, Process } from './process';
import { LocalNames, type NameRegistry } from './registry';
import { LOOKUP_SAMPLE_EVERY, type TelemetryBus } from './telemetry';

/** What the names need of their node. */
export interface NameHost {
  readonly events: TelemetryBus;
  pidOf(id: number): Pid;
  lookupId(id: number): Process | undefined;
  route(target: Pid): Process | Pid | undefined;
  remote(): ClusterService;
}

/**
 * Erlang's register/unregister/whereis/registered over the node's name registry: a Map on
 * a one-scheduler node, the table shared by every scheduler once the node joins a cluster.
 */
export class NodeNames {
  /** Swapped for the shared table when the node joins a cluster. */
  registry: NameRegistry = new LocalNames();

  constructor(private readonly node: NameHost) {}

  register(name: string, pid: Pid): true {
    checkLocalName('register', name);
    const holder = this.registry.whereis(name);
    if (holder !== undefined) throw new AlreadyRegisteredError(name, this.node.pidOf(holder));
    const target = this.node.route(pid);
    if (target === undefined || (target instanceof Process && (target.flags & Flag.Dead) !== 0))
      throw new NoProcError(pid.toString());
    if (target instanceof Process && target.name !== null)
      throw new BadArgError(`${pid} is already registered as ${target.name}`);
    if (!this.registry.register(name, pid.id))
      throw new AlreadyRegisteredError(name, this.node.pidOf(this.registry.whereis(name)!));
    if (target instanceof Process) this.bind(name, target);
    else this.node.remote().named(target, name);
    return true;
  }

  /** Records a local process's name (the registry holds it already) and tells telemetry. */
  bind(name: string, process: Process): void {
    process.name = name;
    if (this.node.events.listenerCount('register') > 0) this.node.events.emit('register', { name, pid: process.self });
  }

  unregister(name: string): true {
    checkLocalName('unregister', name);
    const id = this.registry.unregister(name);
    if (id === undefined) throw new BadArgError(`${name} is not registered`);
    const process = this.node.lookupId(id);
    if (process !== undefined && process.name === name) process.name = null;
    return true;
  }

  /** Lookups until the next one is timed (registry:lookup). */
  private sampleIn = LOOKUP_SAMPLE_EVERY;

  whereis(name: string): Pid | undefined {
    if (--this.sampleIn === 0) return this.timedWhereis(name);
    return this.lookup(name);
  }

  /** One lookup in LOOKUP_SAMPLE_EVERY: timed while someone listens, so an unwatched lookup costs a decrement. */
  private timedWhereis(name: string): Pid | undefined {
    this.sampleIn = LOOKUP_SAMPLE_EVERY;
    const events = this.node.events;
    if (events.listenerCount('registry:lookup') === 0) return this.lookup(name);
    const start = performance.now();
    const pid = this.lookup(name);
    events.emit('registry:lookup', {
      registry: 'local',
      durationMs: performance.now() - start,
      sampleEvery: LOOKUP_SAMPLE_EVERY,
    });
    return pid;
  }

  private lookup(name: string): Pid | undefined {
    checkLocalName('whereis', name);
    const id = this.registry.whereis(name);
    return id === undefined ? undefined : this.node.pidOf(id);
  }

  registered(): string[] {
    return this.registry.entries().map(([name]) => name);
  }
}
