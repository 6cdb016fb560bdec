import { AlreadyStartedError, OtpError, StartError } from '../errors';
import { IgnoredError, startServer } from '../gen-server';
import { linkedStartFailed } from '../linked-start';
import type { GenServerDef } from '../gen-server-types';
import { bodyOf, loadExport, type Node } from '../node';
import { Pid } from '../pid';
import type { Process } from '../process';
import type { ExitReason } from '../reason';
import { startSupervisorProcess, type SupervisorSpec } from '../supervisor';
import type { SchedulerPeer, SpawnOutcome, SpawnRequest } from './peer';
import type { RemoteSpec } from './remote';
import { infoOf } from '../introspection';
import { processesOf, toWire, type WireProcessInfo } from './scheduler-api';

type AnyDef = GenServerDef<unknown, unknown, unknown, unknown, unknown, unknown>;

/** Starts what other schedulers ask this one to start. */
export function installSpawnHandler(node: Node, peer: SchedulerPeer): void {
  peer.spawnHandler = async (request: SpawnRequest): Promise<SpawnOutcome> => {
    const remote = { id: request.id, parent: request.parent };
    switch (request.kind) {
      case 'info': {
        if (request.id === -1) return { ok: processesOf(node) };
        const process = node.lookupId(request.id);
        return { ok: process === undefined ? null : toWire(infoOf(process)) };
      }
      case 'spawn': {
        let process: Process;
        try {
          process = node.spawnFrom(null, bodyOf({ module: request.module, export: request.export, args: request.args as unknown[] }), { name: request.name, trapExit: request.trapExit }, request.id);
        } catch (error) {
          // The pid was handed out already: the process exists, and exits with the reason, as an
          // Erlang spawn of an undefined function does.
          process = node.spawnFrom(null, () => {
            throw error;
          }, {}, request.id);
        }
        if (request.parent !== undefined) peer.relationsOf(process).links.add(request.parent);
        if (request.monitor !== undefined) peer.relationsOf(process).monitoredBy.set(request.monitor.ref, request.monitor.watcher);
        return { ok: request.id };
      }
      case 'gen_server': {
        const def = loadExport<AnyDef>(request as RemoteSpec);
        const result = await startServer(node, null, def, request.args, { name: request.name, trapExit: request.trapExit, timeout: request.timeout }, remote);
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

/** Asks scheduler k to start a GenServer or supervisor linked to `parent`; the remote half of startLink. */
export async function startRemote(
  node: Node,
  parent: Process | null,
  k: number,
  kind: 'gen_server' | 'supervisor',
  spec: RemoteSpec,
  args: unknown,
  options: { name?: string; trapExit?: boolean; timeout?: number },
): Promise<Pid | 'ignore'> {
  const peer = node.peer!;
  const id = peer.allocatePid(k);
  // Linked before the process exists, so an exit during its init cannot be missed.
  if (parent !== null) peer.relationsOf(parent).links.add(id);
  const outcome = await peer.request(k, {
    kind,
    module: spec.module,
    export: spec.export,
    args,
    id,
    parent: parent?.self.id,
    name: options.name,
    trapExit: options.trapExit,
    timeout: options.timeout,
  });
  if ('error' in outcome || outcome.ok === 'ignore') parent?.remote?.links.delete(id);
  if ('error' in outcome) {
    const error = errorFrom(outcome.error, options.name);
    // The process's exit signal came through the ring ahead of this outcome: it has reached the parent.
    if (parent !== null) return linkedStartFailed(parent, new Pid(node.id, id), error);
    throw error;
  }
  return outcome.ok === 'ignore' ? 'ignore' : new Pid(node.id, id);
}

/** Process info from scheduler k (one pid, or all of k's processes with id -1). */
export async function remoteInfo(node: Node, k: number, id: number): Promise<WireProcessInfo[] | WireProcessInfo | null> {
  const outcome = await node.peer!.request(k, { kind: 'info', module: '', export: '', args: null, id });
  if ('error' in outcome) return id === -1 ? [] : null; // a scheduler that is down has no processes
  return outcome.ok as WireProcessInfo[] | WireProcessInfo | null;
}

function errorFrom(error: { code: string; message: string; reason?: ExitReason }, name: string | undefined): Error {
  switch (error.code) {
    case 'start_failed':
      return new StartError(error.reason ?? error.message);
    case 'ignore':
      return new IgnoredError();
    case 'already_started':
      return new AlreadyStartedError(name ?? '?', undefined);
    default:
      return new OtpError(error.code, error.message);
  }
}

/** The outcome of a failed remote start, as data that crosses threads. */
export function outcomeOf(error: unknown): SpawnOutcome {
  if (error instanceof StartError) return { error: { code: 'start_failed', message: error.message, reason: error.reason } };
  if (error instanceof OtpError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'error', message: error instanceof Error ? error.message : String(error) } };
}
