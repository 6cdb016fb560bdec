import type { ProcessBody } from './context';
import { running } from './current';
import { BadArgError } from './errors';
import { checkTimeout, clearTimer, setTimer, type Timer } from './long-timeout';
import { Tag } from './mailbox';
import { Flag, type Process } from './process';
import type { ExitReason } from './reason';

// A body process (Erlang's spawn(Fun)): its body runs from the run queue as its first step,
// and its receive() waits for a matching message. Behaviours take their messages through
// handleMessage instead.

/** What a body process needs of its node. */
export interface BodyHost {
  readonly scheduler: { enqueue(process: Process): void; messagesHandled: number };
  crash(process: Process, error: unknown, where: string): void;
  exitProcess(process: Process, reason: ExitReason): void;
}

/** Marks the first mailbox entry of a body process: run the body. */
export class StartBody {
  constructor(readonly body: ProcessBody) {}
}

/** Erlang's receive for a body process: the first message `match` accepts, or undefined after `timeoutMs`. */
export function receive(
  node: BodyHost,
  process: Process,
  match: ((message: unknown) => boolean) | undefined,
  timeoutMs: number | undefined,
): Promise<unknown> {
  if (process.behaviour !== null) {
    throw new BadArgError(
      `receive() is for spawned functions; ${process.behaviour.kind} gets its messages through handleMessage`,
    );
  }
  if (process.waiter !== null) throw new BadArgError('receive() is already waiting');
  if (timeoutMs !== undefined) checkTimeout('receive', timeoutMs);
  return new Promise((resolve) => {
    if ((process.flags & Flag.Dead) !== 0) return;
    const waiter = { match, resolve, timer: undefined as Timer | undefined };
    process.waiter = waiter;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      waiter.timer = setTimer(() => {
        if (process.waiter !== waiter) return;
        process.waiter = null;
        resolve(undefined);
      }, timeoutMs);
    }
    if (process.mailbox !== null && process.mailbox.length > 0) node.scheduler.enqueue(process);
  });
}

/** The scheduler's step for a body process: start it, or hand its receive() a matching message. */
export function runBodyStep(node: BodyHost, process: Process): void {
  const mailbox = process.mailbox;
  if (mailbox === null || mailbox.length === 0) return;
  if (mailbox.headTag() === Tag.System) {
    const start = mailbox.shift() as StartBody;
    startBody(node, process, start.body);
    return;
  }
  const waiter = process.waiter;
  if (waiter === null) return;
  for (let i = 0; i < mailbox.length; i++) {
    const message = mailbox.at(i);
    let matched: boolean;
    try {
      matched = waiter.match === undefined || waiter.match(message);
    } catch (error) {
      node.crash(process, error, 'receive');
      return;
    }
    if (matched) {
      mailbox.removeAt(i);
      process.waiter = null;
      if (waiter.timer !== undefined) clearTimer(waiter.timer);
      process.handled++;
      node.scheduler.messagesHandled++;
      waiter.resolve(message);
      return;
    }
  }
}

function startBody(node: BodyHost, process: Process, body: ProcessBody): void {
  let result: unknown;
  running.process = process;
  try {
    result = body(process);
  } catch (error) {
    node.crash(process, error, 'body');
    return;
  } finally {
    running.process = null;
  }
  if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
    (result as PromiseLike<unknown>).then(
      () => node.exitProcess(process, 'normal'),
      (error: unknown) => node.crash(process, error, 'body'),
    );
  } else {
    node.exitProcess(process, 'normal');
  }
}
