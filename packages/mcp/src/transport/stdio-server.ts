import type { Readable, Writable } from 'node:stream';
import type { McpServerDefinition } from '../server/definition';
import type { ServerSession, ServerSessionOptions } from '../server/session';
import type { BackpressureOptions } from './backpressure';
import { NdjsonTransport } from './ndjson';

export interface ServeStdioOptions extends Omit<ServerSessionOptions, 'send'>, BackpressureOptions {
  /** Default process.stdin. */
  stdin?: Readable;
  /** Default process.stdout. Logs must go to stderr: stdout carries only messages. */
  stdout?: Writable;
  maxLineBytes?: number;
}

export interface StdioServer {
  session: ServerSession;
  transport: NdjsonTransport;
  /** Resolves when stdin ends or close() is called. */
  closed: Promise<void>;
  /** Ends each open subscriptions/listen with its result, then closes the transport. */
  close: () => void;
}

/** Serves one session over stdin/stdout, the MCP stdio transport's server side. */
export function serveStdio(definition: McpServerDefinition, options: ServeStdioOptions = {}): StdioServer {
  const {
    stdin = process.stdin,
    stdout = process.stdout,
    maxLineBytes,
    outboundHighWaterBytes,
    maxOutboundBytes,
    ...sessionOptions
  } = options;
  const transport = new NdjsonTransport(stdin, stdout, {
    maxLineBytes,
    outboundHighWaterBytes,
    maxOutboundBytes,
    endOnClose: stdout !== process.stdout,
    onError: sessionOptions.onError,
  });
  const session = definition.createSession({ ...sessionOptions, send: transport.send });
  const closed = new Promise<void>((resolve) => transport.onClose(resolve));
  transport.attach(session);
  const close = (): void => {
    // Each open subscriptions/listen ends gracefully (its SubscriptionsListenResult), as on
    // Streamable HTTP: the answers are sent a few microtasks on, so the pipe closes after them.
    session.endSubscriptions();
    setImmediate(() => transport.close());
  };
  return { session, transport, closed, close };
}
