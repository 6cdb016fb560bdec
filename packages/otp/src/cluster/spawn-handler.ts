import { startServer } from '../gen-server';
import type { GenServerDef } from '../gen-server-types';
import { bodyOf, loadExport, type Node } from '../node';
import type { Process } from '../process';
import { factoryOf, startSpecial } from '../proc-lib';
import { startSupervisorProcess, type SupervisorSpec } from '../supervisor';
import type { SchedulerPeer } from './peer';
import type { SpawnOutcome, SpawnRequest } from './remote-start';
import type { RemoteSpec } from './remote';
import { infoOf } from '../introspection';
import { processesOf, toWire } from './scheduler-api';

type AnyDef = GenServerDef<unknown, unknown, unknown, unknown, unknown, unknown>;

/** Starts what other schedulers ask this one to start. */
export function installSpawnHandler(node: Node, peer: SchedulerPeer): void {
  peer.spawnHandler = async (request: SpawnRequest): Promise<SpawnOutcome> => {
    const remote = { id: request.id, parent: request.parent };
    switch (request.kind) {
      case 'info': {
        if (request.id === -1) return { ok: processesOf(node) };
        const process = node.lookupId(request.id);
        return { ok: process === undefined ? null : toWire(infoOf(process, true)) };
      }
      case 'spawn': {
        let process: Process;
        try {
          process = node.spawnFrom(
            null,
            bodyOf({ module: request.module, export: request.export, args: request.args as unknown[] }),
            { name: request.name, trapExit: request.trapExit },
            request.id,
          );
        } catch (error) {
          // The pid was handed out already: the process exists, and exits with the reason, as an
          // Erlang spawn of an undefined function does.
          process = node.spawnFrom(
            null,
            () => {
              throw error;
            },
            {},
            request.id,
          );
        }
        if (request.parent !== undefined) peer.relationsOf(process).links.add(request.parent);
        if (request.monitor !== undefined)
          peer.relationsOf(process).monitoredBy.set(request.monitor.ref, request.monitor.watcher);
        return { ok: request.id };
      }
      case 'gen_server': {
        const def = loadExport<AnyDef>(request as RemoteSpec);
        const result = await startServer(
          node,
          null,
          def,
          request.args,
          { name: request.name, trapExit: request.trapExit, timeout: request.timeout },
          remote,
        );
        return { ok: result === 'ignore' ? 'ignore' : request.id };
      }
      case 'proc_lib': {
        // A user's behaviour: its factory loads here, then the start is ProcLib's own.
        const factory = factoryOf(request as RemoteSpec);
        const result = await startSpecial(
          node,
          null,
          factory,
          request.args,
          { name: request.name, trapExit: request.trapExit, timeout: request.timeout },
          remote,
        );
        return { ok: result === 'ignore' ? 'ignore' : request.id };
      }
      case 'supervisor': {
        const spec = loadExport<SupervisorSpec>(request as RemoteSpec);
        const result = await startSupervisorProcess(node, null, spec, { name: request.name }, remote);
        return { ok: result === 'ignore' ? 'ignore' : request.id };
      }
    }
  };
}
