import { Agent, request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { DownMessage, exit, isPid, send, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import type { DistNode } from '../dist-node';
import { endToEndHeaders } from '@erlmcp/mcp/hosting';
import { asBuffer, isForwardMessage, type ToOwner, type ToRelay, type Watch } from './forward-protocol';
import { ownerOf, ownerPrefix } from './owner-id';

/** What a forwarder counted: requests it passed to other nodes, and requests it answered for them. */
export interface ForwarderStats {
  /** Requests taken here and passed to the node that owns their session. */
  forwardedOut: number;
  /** Requests other nodes passed here, answered by this node's server. */
  forwardedIn: number;
  /** Requests answered 404 here because the owner's node is gone. */
  ownerGone: number;
  /** Forwarded requests in flight, both ways. */
  inFlight: number;
}

/** Past this much unsent answer for one slow client, the relay drops the client (no backpressure across NATS). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

interface Outgoing {
  req: IncomingMessage;
  res: ServerResponse;
  owner: Pid;
}

/** The body of a forwarded request is kept until its answer starts, up to this much, so it can be sent again. */
const MAX_REPLAY_BYTES = 1024 * 1024;

/** A request another node passed here, as replayed against this node's server. */
class Incoming {
  upstream!: ClientRequest;
  ended = false;
  /** The body so far, while the request may still be sent again (once, before any answer); null after. */
  private sent: Buffer[] | null = [];
  private bytes = 0;

  keep(chunk: Buffer): void {
    if (this.sent === null) return;
    this.bytes += chunk.length;
    // Past the limit the body is not kept: such a request is not sent again.
    if (this.bytes > MAX_REPLAY_BYTES) this.sent = null;
    else this.sent.push(chunk);
  }

  answered(): void {
    this.sent = null;
  }

  /** The body to send again, once; null when the request may not be sent again. */
  replay(): Buffer[] | null {
    const body = this.sent;
    this.sent = null;
    return body;
  }
}

function keyOf(pid: Pid): string {
  return `${pid.node}.${pid.id}`;
}

function sessionGone(res: ServerResponse): void {
  if (res.headersSent || res.writableEnded) return void res.destroy();
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/**
 * One per node that serves MCP in a cluster: a process that plays both sides of a forwarded
 * request. As the relay (the node a balancer gave the request to) it streams the request to
 * the forwarder that owns the session and writes the answer it streams back, an SSE stream
 * event by event. As the owner it replays the request against its own server on 127.0.0.1,
 * so every check (Host, Origin, body limits, the session itself) runs where the session lives.
 * Each side monitors the other: the owner's node going down answers the relay's waiting
 * clients 404 (the session is gone, as the spec wants), the relay's ends its streams at the owner.
 */
export class SessionForwarder {
  readonly pid: Pid;
  /** Session ids of this node's server start with this: the owner's name, read by every node. */
  readonly sessionIdPrefix: string;
  private localPort = 0;
  private nextRef = 1;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Map<string, Incoming>();
  /** Owners (relay side) and relays (owner side) this process monitors, by pid key. */
  private readonly watched = new Set<string>();
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
  private counts = { forwardedOut: 0, forwardedIn: 0, ownerGone: 0 };
  private stopped = false;

  constructor(private readonly dist: DistNode) {
    this.pid = spawn((ctx) => this.loop(ctx));
    this.sessionIdPrefix = ownerPrefix(this.pid);
  }

  /** The port of this node's own server, which forwarded requests are replayed against. */
  serveOn(port: number): void {
    this.localPort = port;
  }

  stats(): ForwarderStats {
    return { ...this.counts, inFlight: this.outgoing.size + this.incoming.size };
  }

  /**
   * `listenHttp`'s router: a request whose session another live node owns goes there; one whose
   * owner's node is gone is answered 404 here; anything else (ours, no session) is left to this server.
   */
  route(req: IncomingMessage, res: ServerResponse): boolean {
    const session = req.headers['mcp-session-id'];
    if (typeof session !== 'string' || this.stopped) return false;
    const owner = ownerOf(session);
    if (owner === undefined || owner.node === this.pid.node) return false;
    if (!this.dist.isReachable(owner)) {
      this.counts.ownerGone++;
      req.resume();
      sessionGone(res);
      return true;
    }
    this.forward(req, res, owner);
    return true;
  }

  /** Ends the process; requests in flight end with it (their clients see the connection close). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    exit(this.pid, 'kill');
    for (const { res } of this.outgoing.values()) res.destroy();
    for (const entry of this.incoming.values()) entry.upstream.destroy();
    this.outgoing.clear();
    this.incoming.clear();
    this.agent.destroy();
  }

  // ---- relay side: the node a client's request reached -------------------------------

  private forward(req: IncomingMessage, res: ServerResponse, owner: Pid): void {
    const ref = this.nextRef++;
    const relay = this.pid;
    this.counts.forwardedOut++;
    this.outgoing.set(ref, { req, res, owner });
    // The monitor is set up by the process before the owner can answer (messages to one process keep their order).
    if (!this.watched.has(keyOf(owner))) send(relay, { mcpFwd: 'watch', owner } satisfies Watch);
    const toOwner = (message: ToOwner): void => send(owner, message);
    toOwner({
      mcpFwd: 'open',
      ref,
      relay,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: endToEndHeaders(req.headers),
    });
    req.on('data', (chunk: Buffer) => {
      if (this.outgoing.has(ref)) toOwner({ mcpFwd: 'body', ref, relay, chunk });
    });
    req.once('end', () => {
      if (this.outgoing.has(ref)) toOwner({ mcpFwd: 'end', ref, relay });
    });
    res.once('close', () => {
      if (!this.outgoing.delete(ref) || res.writableFinished) return;
      // The client went away before the answer ended (an SSE stream closed): end it at the owner too.
      toOwner({ mcpFwd: 'abort', ref, relay });
    });
  }

  private onRelayMessage(message: ToRelay): void {
    const entry = this.outgoing.get(message.ref);
    if (entry === undefined) return;
    const { res } = entry;
    switch (message.mcpFwd) {
      case 'head':
        res.writeHead(message.status, message.headers);
        // An SSE stream's events must not wait for a buffer to fill.
        res.flushHeaders();
        return;
      case 'data':
        res.write(asBuffer(message.chunk));
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
        return;
      case 'done':
        this.outgoing.delete(message.ref);
        // The owner answered before reading all of the body (a 413): what is left is not forwarded.
        if (!entry.req.complete) entry.req.removeAllListeners('data').resume();
        res.end();
        return;
      case 'fail':
        this.outgoing.delete(message.ref);
        entry.req.resume();
        sessionGone(res);
        return;
    }
  }

  /** An owner's forwarder is gone (its node went down, or it stopped): its sessions are gone. */
  private ownerDown(owner: Pid): void {
    for (const [ref, entry] of this.outgoing) {
      if (!entry.owner.equals(owner)) continue;
      this.outgoing.delete(ref);
      this.counts.ownerGone++;
      entry.req.resume();
      sessionGone(entry.res);
    }
  }

  // ---- owner side: the node whose server holds the session ---------------------------

  private onOwnerMessage(message: ToOwner, ctx: ProcessContext): void {
    const key = `${keyOf(message.relay)}/${message.ref}`;
    if (message.mcpFwd === 'open') return this.open(message, key, ctx);
    const entry = this.incoming.get(key);
    if (entry === undefined) return;
    if (message.mcpFwd === 'body') {
      const chunk = asBuffer(message.chunk);
      entry.keep(chunk);
      entry.upstream.write(chunk);
    } else if (message.mcpFwd === 'end') {
      entry.ended = true;
      entry.upstream.end();
    } else {
      this.incoming.delete(key);
      entry.upstream.destroy();
    }
  }

  private open(message: Extract<ToOwner, { mcpFwd: 'open' }>, key: string, ctx: ProcessContext): void {
    const { ref, relay } = message;
    const toRelay = (answer: ToRelay): void => send(relay, answer);
    if (this.localPort === 0) return toRelay({ mcpFwd: 'fail', ref });
    this.watch(relay, ctx);
    this.counts.forwardedIn++;
    const entry = new Incoming();
    const start = (fresh: boolean): ClientRequest => {
      const upstream = request(
        {
          host: '127.0.0.1',
          port: this.localPort,
          method: message.method,
          path: message.url,
          headers: message.headers,
          // A retry takes a connection of its own.
          agent: fresh ? false : this.agent,
        },
        (answer) => {
          if (this.incoming.get(key) !== entry || entry.upstream !== upstream) return void answer.destroy();
          entry.answered();
          toRelay({ mcpFwd: 'head', ref, status: answer.statusCode ?? 502, headers: endToEndHeaders(answer.headers) });
          answer.on('data', (chunk: Buffer) => toRelay({ mcpFwd: 'data', ref, chunk }));
          answer.once('end', () => {
            if (this.incoming.delete(key)) toRelay({ mcpFwd: 'done', ref });
          });
          answer.once('error', () => {
            if (this.incoming.delete(key)) toRelay({ mcpFwd: 'fail', ref });
          });
        },
      );
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        if (this.incoming.get(key) !== entry || entry.upstream !== upstream) return;
        // A kept-alive connection our own server closed as we reused it (a stall past its keep-alive
        // timeout): nothing was answered, so the request goes again, once, on a new connection.
        const body = upstream.reusedSocket && error.code === 'ECONNRESET' ? entry.replay() : null;
        if (body !== null) {
          entry.upstream = start(true);
          for (const chunk of body) entry.upstream.write(chunk);
          if (entry.ended) entry.upstream.end();
          return;
        }
        this.incoming.delete(key);
        toRelay({ mcpFwd: 'fail', ref });
      });
      return upstream;
    };
    entry.upstream = start(false);
    this.incoming.set(key, entry);
  }

  /** A relay's forwarder is gone: the streams it was relaying have no client any more. */
  private relayDown(relay: Pid): void {
    const prefix = `${keyOf(relay)}/`;
    for (const [key, entry] of this.incoming) {
      if (!key.startsWith(prefix)) continue;
      this.incoming.delete(key);
      entry.upstream.destroy();
    }
  }

  // ---- the process -------------------------------------------------------------------

  private watch(pid: Pid, ctx: ProcessContext): void {
    const key = keyOf(pid);
    if (this.watched.has(key)) return;
    this.watched.add(key);
    ctx.monitor(pid);
  }

  private async loop(ctx: ProcessContext): Promise<void> {
    for (;;) {
      const message = await ctx.receive();
      if (message instanceof DownMessage) {
        const pid = message.pid;
        if (!isPid(pid)) continue;
        this.watched.delete(keyOf(pid));
        this.ownerDown(pid);
        this.relayDown(pid);
        continue;
      }
      if (!isForwardMessage(message)) continue;
      try {
        switch (message.mcpFwd) {
          case 'watch':
            this.watch(message.owner, ctx);
            break;
          case 'open':
          case 'body':
          case 'end':
          case 'abort':
            this.onOwnerMessage(message, ctx);
            break;
          default:
            this.onRelayMessage(message);
        }
      } catch (error) {
        // A malformed message from another node must not end the process that serves every forwarded session.
        this.dist.node.logger.error(`mcp forwarder: dropped a message: ${(error as Error).message}`);
      }
    }
  }
}
