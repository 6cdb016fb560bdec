import { startServer } from '../gen-server';
import type { GenServerDef } from '../gen-server-types';
import { bodyOf, loadExport, type Node } from '../node';
import { Pid } from '../pid';
import type { Process } from '../process';
import type { RemoteSpec } from '../cluster/remote';
import { outcomeOf } from '../cluster/remote-start';
import { keyOf, type NodeRelations, type NodeSpawnOutcome, type NodeSpawnRequest } from './relations';

type AnyDef = GenServerDef<unknown, unknown, unknown, unknown, unknown, unknown>;

/** What starting for another node needs of the port. */
export interface SpawnHost {
  relationsOf(process: Process): NodeRelations;
}

/**
 * Starts what a Spawn record from node `source` asks for. A spawn answers synchronously,
 * before the new process runs, so its exit can never overtake the answer on the wire; a
 * GenServer answers once its init has returned.
 */
export function startFor(
  node: Node,
  host: SpawnHost,
  source: number,
  request: NodeSpawnRequest,
): NodeSpawnOutcome | Promise<NodeSpawnOutcome> {
  try {
    if (request.kind === 'spawn') {
      const spec: RemoteSpec = { module: request.module, export: request.export, args: request.args as unknown[] };
      const process = node.spawnFrom(null, bodyOf(spec), { name: request.name, trapExit: request.trapExit });
      return hold(host, source, request, process);
    }
    return startGen(node, host, source, request).catch((error: unknown) => outcomeOf(error) as NodeSpawnOutcome);
  } catch (error) {
    return outcomeOf(error) as NodeSpawnOutcome;
  }
}

async function startGen(
  node: Node,
  host: SpawnHost,
  source: number,
  request: NodeSpawnRequest,
): Promise<NodeSpawnOutcome> {
  const def = loadExport<AnyDef>({ module: request.module, export: request.export });
  const pid = await startServer(node, null, def, request.args, { name: request.name, timeout: request.timeout });
  if (pid === 'ignore') return { ok: 'ignore' };
  const process = node.lookupId(pid.id);
  if (process === undefined || !process.alive)
    return { error: { code: 'start_failed', message: `${pid} exited as it started` } };
  return hold(host, source, request, process);
}

/** The requester's link and monitor, held before the process runs (a GenServer: once its init returned). */
function hold(host: SpawnHost, source: number, request: NodeSpawnRequest, process: Process): NodeSpawnOutcome {
  if (request.parent !== undefined) {
    const parent = new Pid(source, request.parent);
    host.relationsOf(process).links.set(keyOf(source, parent.id), parent);
  }
  if (request.monitor !== undefined) {
    const { ref, watcher } = request.monitor;
    host.relationsOf(process).monitoredBy.set(keyOf(source, ref), { watcher: new Pid(source, watcher), ref });
  }
  return { ok: process.self.id };
}
