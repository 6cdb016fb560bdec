import type { ServerResponse } from 'node:http';

/** The fields {@link WaitingInputs} threads through an input it holds. */
export interface WaitingLink {
  /** The list holding this input until its session's process takes it. */
  waiting?: WaitingInputs;
  /** The session it was handed to. */
  owner?: string;
  prev?: WaitingLink;
  next?: WaitingLink;
  readonly res: ServerResponse;
}

/**
 * Requests the front door has handed to a session's process that the process has not taken
 * yet: if the session ends first, they are answered 404 from here. A doubly linked list
 * threaded through the inputs themselves, so holding and releasing every request costs a few
 * field writes (a Map keyed by ServerResponse did two hash operations per request, about 2%
 * of a tools/call profile). Ending a session walks the list, as walking the Map did.
 */
export class WaitingInputs {
  private head: WaitingLink | undefined;
  private tail: WaitingLink | undefined;

  /** Holds `input`, handed to session `owner`. */
  hold(input: WaitingLink, owner: string): void {
    input.waiting = this;
    input.owner = owner;
    input.prev = this.tail;
    input.next = undefined;
    if (this.tail === undefined) this.head = input;
    else this.tail.next = input;
    this.tail = input;
  }

  /** Lets go of `input` (its session took it, or it never reached one); again is harmless. */
  release(input: WaitingLink): void {
    if (input.waiting !== this) return;
    input.waiting = undefined;
    if (input.prev === undefined) this.head = input.next;
    else input.prev.next = input.next;
    if (input.next === undefined) this.tail = input.prev;
    else input.next.prev = input.prev;
    input.prev = input.next = undefined;
  }

  /** Releases every input handed to session `owner` and passes each response to `answer`. */
  releaseSession(owner: string, answer: (res: ServerResponse) => void): void {
    for (let input = this.head; input !== undefined;) {
      const next = input.next;
      if (input.owner === owner) {
        this.release(input);
        answer(input.res);
      }
      input = next;
    }
  }
}
