import { GenServer, noreply, ok, stop, reply, type ExitReason } from '@erlmcp/otp';
import type { McpServerDefinition } from '../server/definition';
import type { ServerSession, ServerSessionState } from '../server/session';
import type { HostedSessionOptions, SessionChannel } from '../server/session-hosting';
import { emitTransport, listening, type McpTransportKind } from '../server/telemetry';
import type { SendFn } from '../jsonrpc/types';

export interface SessionProcessArgs<M> {
  id: string;
  definition: McpServerDefinition;
  channel: SessionChannel<M>;
  sessionOptions: HostedSessionOptions;
  /** The transport, for `mcp:transport` timings (none without it). */
  transport?: McpTransportKind;
}

export interface SessionProcessState<M> {
  readonly session: ServerSession;
  readonly channel: SessionChannel<M>;
  readonly transport?: McpTransportKind;
}

/** The channel's send, timed for `mcp:transport` while someone listens. */
function timedSend(send: SendFn, transport: McpTransportKind | undefined): SendFn {
  if (transport === undefined) return send;
  return (payload, relatedRequestId) => {
    const bus = listening('mcp:transport');
    if (bus === undefined) return send(payload, relatedRequestId);
    const start = performance.now();
    const sent = send(payload, relatedRequestId);
    if (sent instanceof Promise) return sent.finally(() => emitTransport(bus, transport, 'send', start));
    emitTransport(bus, transport, 'send', start);
    return sent;
  };
}

/**
 * Input for the session process: transport input for its channel, an order to end, or the
 * host's note that no input came for the idle timeout (the session ends unless something
 * is open or running).
 */
export type SessionCast<M> =
  | {
      kind: 'input';
      message: M;
      /** When the host took it (performance.now()), while `mcp:transport` is watched. */ at?: number;
    }
  | { kind: 'close' }
  | { kind: 'idle' };

export interface SessionSummary {
  id: string;
  state: ServerSessionState;
  protocolVersion: string | undefined;
  clientName: string | undefined;
  inFlight: number;
}

/**
 * One MCP session as a process. The process owns the ServerSession and its channel; all
 * transport input arrives as casts, so a throw anywhere in them ends this process alone, and
 * the session supervisor goes on serving every other session.
 *
 * Tool handlers run in the background (the session does not hold the mailbox while they run),
 * so a notifications/cancelled can still reach a long call. Idle expiry is the host's sweep
 * (one timer for all sessions), not a GenServer timeout (one timer each).
 */
export const sessionServer = GenServer.define({
  name: 'mcp_session',
  init(args: SessionProcessArgs<unknown>) {
    const { channel } = args;
    const session = args.definition.createSession({
      ...args.sessionOptions,
      id: args.id,
      send: timedSend(channel.send, args.transport),
      closeRequestStream: channel.closeRequestStream,
    });
    channel.bind(session);
    const state: SessionProcessState<unknown> = { session, channel, transport: args.transport };
    return ok(state);
  },
  handleCast(message: SessionCast<unknown>, state: SessionProcessState<unknown>) {
    switch (message.kind) {
      case 'input': {
        const outcome = state.channel.handle(message.message);
        if (message.at !== undefined && state.transport !== undefined) {
          const bus = listening('mcp:transport');
          if (bus !== undefined) emitTransport(bus, state.transport, 'receive', message.at);
        }
        return outcome === 'stop' ? stop('normal', state) : noreply(state);
      }
      case 'close':
        return stop('normal', state);
      case 'idle':
        // Idle means no input for the whole timeout, and nothing open or running.
        return state.channel.busy || state.session.inFlightCount > 0 ? noreply(state) : stop('normal', state);
    }
  },
  handleCall(_request: 'summary', _from, state: SessionProcessState<unknown>) {
    const { session } = state;
    const summary: SessionSummary = {
      id: session.id,
      state: session.state,
      protocolVersion: session.protocolVersion,
      clientName: session.clientInfo?.name,
      inFlight: session.inFlightCount,
    };
    return reply(summary, state);
  },
  terminate(_reason: ExitReason, state: SessionProcessState<unknown>) {
    state.session.close();
    state.channel.close();
  },
});
