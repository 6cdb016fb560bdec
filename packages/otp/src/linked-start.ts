/**
 * The caller's side of a linked start (proc_lib:start_link), shared by GenServer,
 * Supervisor and DynamicSupervisor, on this scheduler or another.
 */
import type { ProcessContext } from './context';
import { running } from './current';
import { BadArgError, NoCurrentProcessError, NoProcError } from './errors';
import { ExitMessage } from './messages';
import { Process } from './process';
import type { Pid } from './pid';

/**
 * The process a linked start links to: `parent` when given (a callback's ctx, which
 * stays valid after an await), else the process whose callback is running now.
 */
export function linkParent(what: string, parent: ProcessContext | undefined): Process {
  if (parent === undefined) {
    if (running.process === null) throw new NoCurrentProcessError(what);
    return running.process;
  }
  if (!(parent instanceof Process)) throw new BadArgError(`${what}: parent must be a callback's ctx`);
  if (!parent.alive) throw new NoProcError(parent.self.toString());
  return parent;
}

/**
 * A linked start failed: settles it as proc_lib:start_link does. By now the new process's
 * exit has reached `parent` through the link (on this scheduler at once; from another, its
 * exit signal travels ahead of the start's outcome). A parent that does not trap exits has
 * died of it, unless the reason was normal: a dead process runs nothing more, so the start
 * never settles and the code after its await never runs. A trapping parent has the EXIT
 * message, which the start consumes (flush_EXIT) before it rejects.
 */
export function linkedStartFailed(parent: Process, child: Pid, error: unknown): Promise<never> {
  if (!parent.alive) return new Promise<never>(() => {});
  if (parent.trapsExits) flushExit(parent, child);
  return Promise.reject(error);
}

function flushExit(process: Process, from: Pid): void {
  const mailbox = process.mailbox;
  if (mailbox === null) return;
  for (let i = 0; i < mailbox.length; i++) {
    const message = mailbox.at(i);
    if (message instanceof ExitMessage && message.from.equals(from)) {
      mailbox.removeAt(i);
      return;
    }
  }
}
