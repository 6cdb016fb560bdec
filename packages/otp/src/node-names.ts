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
    if (pid.node !== this.node.pidOf(0).node)
      throw new BadArgError(`register: ${pid} is a process of another node: register it where it runs, or globally`);
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

  whereis(name: string): Pid | undefined {
    checkLocalName('whereis', name);
    const id = this.registry.whereis(name);
    return id === undefined ? undefined : this.node.pidOf(id);
  }

  /** Holders of timeLookups. */
  private timing = 0;

  /**
   * Times one whereis in LOOKUP_SAMPLE_EVERY for `registry:lookup` until the release. The timed
   * lookup is an own method put over the class's while someone asks: a node nobody watches runs
   * the class's whereis, unchanged, with no check per lookup.
   */
  timeLookups(): () => void {
    if (this.timing++ === 0) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with this object (untimed.call)
      const untimed = NodeNames.prototype.whereis;
      const events = this.node.events;
      let left = LOOKUP_SAMPLE_EVERY;
      this.whereis = (name) => {
        if (--left !== 0) return untimed.call(this, name);
        left = LOOKUP_SAMPLE_EVERY;
        const start = performance.now();
        const pid = untimed.call(this, name);
        events.emit('registry:lookup', {
          registry: 'local',
          durationMs: performance.now() - start,
          sampleEvery: LOOKUP_SAMPLE_EVERY,
        });
        return pid;
      };
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Assigned back rather than deleted: a delete would turn this object's properties slow.
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the object it came from
      if (--this.timing === 0) this.whereis = NodeNames.prototype.whereis;
    };
  }

  registered(): string[] {
    return this.registry.entries().map(([name]) => name);
  }
}
