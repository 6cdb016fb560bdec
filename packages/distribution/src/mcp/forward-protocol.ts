import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Pid } from '@erlmcp/otp';

/**
 * @internal
 * What forwarders tell each other, as process messages over the distribution (msgpackr in
 * NATS messages, in order per pair of processes). The node that took the request (the relay)
 * streams it to the owner; the owner streams the answer back. `ref` numbers one request of
 * one relay.
 */
export type ToOwner =
  | { mcpFwd: 'open'; ref: number; relay: Pid; method: string; url: string; headers: IncomingHttpHeaders }
  | { mcpFwd: 'body'; ref: number; relay: Pid; chunk: Uint8Array }
  | { mcpFwd: 'end'; ref: number; relay: Pid }
  /** The client went away (or the relay gave up on it): end the request at the owner. */
  | { mcpFwd: 'abort'; ref: number; relay: Pid }
  /** The client's socket took `bytes` more of the answer: the owner may send that much more (flow control). */
  | { mcpFwd: 'credit'; ref: number; relay: Pid; bytes: number };

/** @internal */
export type ToRelay =
  | { mcpFwd: 'head'; ref: number; status: number; headers: OutgoingHttpHeaders }
  | { mcpFwd: 'data'; ref: number; chunk: Uint8Array }
  | { mcpFwd: 'done'; ref: number }
  /** The owner could not answer (its server is closing): the session is gone, to the client. */
  | { mcpFwd: 'fail'; ref: number };

/** @internal A relay's note to itself: monitor this owner before its answer can come. */
export type Watch = { mcpFwd: 'watch'; owner: Pid };

export type ForwardMessage = ToOwner | ToRelay | Watch;

export function isForwardMessage(message: unknown): message is ForwardMessage {
  return typeof message === 'object' && message !== null && 'mcpFwd' in message;
}

/** A chunk as it came off the wire (msgpackr gives a Uint8Array or a Buffer) as a Buffer, without a copy. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
