import { addExtension, Packr, Unpackr } from 'msgpackr';
import { BadArgError } from '../errors';
import { GenEventExit, type HandlerId } from '../gen-event-types';
import { DownMessage, ExitMessage } from '../messages';
import { Pid, Ref } from '../pid';
import { Crash } from '../reason';
import { MissingShareError, isSharedArrayBuffer, isWasmMemory, threadShares, type Shareable } from './shares';

/**
 * msgpackr, taught the runtime's own values so they cross threads as
 * themselves: pids, refs, EXIT and DOWN messages, GenEventExit, crash reasons, Maps,
 * Sets, and SharedArrayBuffers and shared WebAssembly memories (by reference: see shares.ts). A value msgpackr would silently drop (a function) is refused with a
 * BadArgError instead, so a send never loses part of a message.
 */
/** A Map in transit: msgpack maps decode as plain objects, so Maps travel boxed under their own extension. */
class MapBox {
  constructor(readonly entries: [unknown, unknown][]) {}
}

/** A SharedArrayBuffer or shared WebAssembly.Memory in transit. */
class ShareBox {
  constructor(readonly buffer: Shareable) {}
}

/** The value with every Map and SharedArrayBuffer inside boxed; the same value (no copy) when it holds none. */
function boxMaps(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 64) return value;
  if (value instanceof Map)
    return new MapBox([...value].map(([k, v]) => [boxMaps(k, depth + 1), boxMaps(v, depth + 1)]));
  if (isSharedArrayBuffer(value)) return new ShareBox(value);
  if (isWasmMemory(value)) {
    if (!isSharedArrayBuffer(value.buffer))
      throw new BadArgError(
        'a WebAssembly.Memory that is not shared cannot be sent to another scheduler: create it with shared: true',
      );
    return new ShareBox(value);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const boxed = boxMaps(value[i], depth + 1);
      if (boxed !== value[i]) (copy ??= value.slice())[i] = boxed;
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const boxed = boxMaps(item, depth + 1);
    if (boxed !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = boxed;
  }
  return copy ?? value;
}

let registered = false;

function registerExtensions(): void {
  if (registered) return;
  registered = true;
  addExtension({
    Class: Pid,
    type: 0x50,
    write: (pid: Pid) => [pid.node, pid.id],
    read: ([node, id]: [number, number]) => new Pid(node, id),
  });
  addExtension({
    Class: Ref,
    type: 0x51,
    write: (ref: Ref) => [ref.node, ref.id],
    read: ([node, id]: [number, number]) => new Ref(node, id),
  });
  addExtension({
    Class: ExitMessage,
    type: 0x52,
    write: (m: ExitMessage) => [m.from, m.reason],
    read: ([from, reason]: [Pid, ExitMessage['reason']]) => new ExitMessage(from, reason),
  });
  addExtension({
    Class: DownMessage,
    type: 0x53,
    write: (m: DownMessage) => [m.ref, m.pid, m.reason],
    read: ([ref, pid, reason]: [Ref, DownMessage['pid'], DownMessage['reason']]) => new DownMessage(ref, pid, reason),
  });
  addExtension({
    // A supervised handler's owner on another scheduler (the manager names the handler by spec there).
    Class: GenEventExit,
    type: 0x58,
    write: (m: GenEventExit) => [m.manager, m.handler, m.reason],
    read: ([manager, handler, reason]: [Pid, HandlerId, unknown]) => new GenEventExit(manager, handler, reason),
  });
  addExtension({
    Class: Crash,
    type: 0x54,
    write: (c: Crash) => [c.where, c.message, c.stack ?? null, c.error instanceof Error ? c.error.name : null],
    read: ([where, message, stack, name]: [string, string, string | null, string | null]) => {
      const error = new Error(message);
      if (name !== null) error.name = name;
      if (stack !== null) error.stack = stack;
      return new Crash(error, where);
    },
  });
  addExtension({
    Class: ShareBox,
    type: 0x57,
    write: (box: ShareBox) => {
      const registry = threadShares.registry;
      if (registry === null) throw new BadArgError('shared memory can only be sent between schedulers of one node');
      return registry.idOf(box.buffer);
    },
    read: (id: number) => {
      const registry = threadShares.registry;
      if (registry === null) throw new MissingShareError(id);
      return registry.get(id);
    },
  });
  addExtension({
    Class: MapBox,
    type: 0x55,
    write: (box: MapBox) => box.entries,
    read: (entries: [unknown, unknown][]) => new Map(entries),
  });
  const refuse = (value: unknown): never => {
    throw new BadArgError(
      `cannot send ${typeof value === 'function' ? 'a function' : String(value)} to another scheduler: it has no serialized form`,
    );
  };
  for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    addExtension({ Class: fn.constructor as new () => unknown, type: 0x5f, write: refuse, read: refuse });
  }
}

export class Codec {
  private readonly packr: Packr;
  private readonly unpackr: Unpackr;

  constructor() {
    registerExtensions();
    // No records: each message must decode on its own, on whichever thread it lands.
    const options = { useRecords: false, moreTypes: true } as const;
    this.packr = new Packr(options);
    this.unpackr = new Unpackr(options);
  }

  /** The bytes are a view into the codec's buffer: copy them before the next encode. */
  encode(value: unknown): Uint8Array {
    try {
      return this.packr.pack(boxMaps(value));
    } catch (error) {
      if (error instanceof BadArgError || error instanceof MissingShareError) throw error;
      throw new BadArgError(`cannot send this value to another scheduler: ${(error as Error).message}`);
    }
  }

  decode(bytes: Uint8Array): unknown {
    return this.unpackr.unpack(bytes);
  }
}
