import { Agent, request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { DownMessage, exit, isPid, send, spawn, type Pid, type ProcessContext } from '@erlmcp/otp';
import type { DistNode } from '../dist-node';
import { endToEndHeaders } from '@erlmcp/mcp/hosting';
import { DistBadArgError } from '../errors';
import type { GlobalRegistry } from '../global';
import { asBuffer, isForwardMessage, type ToOwner, type ToRelay, type Watch } from './forward-protocol';
import { ANSWER_HERE, answerHere, answerHereToken, readRest, sessionGone } from './answer-here';
import { ForwarderLookup, forwarderName } from './forwarder-lookup';
import type { ForwarderStats } from './forwarder-stats';
import { CREDIT_WINDOW, Incoming, ReplayableBody } from './incoming';
import { ownedBy, ownerNodeOf, ownerPrefix, type OwnedBy } from './owner-id';

/** Past this much unsent answer for one client, the relay drops it (an owner that ignores credit). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** The relay grants credit in steps of this much, taken by the client's socket. */
const CREDIT_STEP = CREDIT_WINDOW / 4;

interface Outgoing {
  req: IncomingMessage;
  res: ServerResponse;
  owner: Pid;
  kind: OwnedBy['kind'];
  /** A task's or handle's request, kept to be answered here if the owner is lost before it answers. */
  body: ReplayableBody;
  /** Taken by the client's socket and not granted to the owner yet. */
  ungranted: number;
}

function keyOf(pid: Pid): string {
  return `${pid.node}.${pid.id}`;
}

/**
 * One per node that serves MCP in a cluster: a process that plays both sides of a forwarded
 * request. As the relay (the node a balancer gave the request to) it streams the request to
 * the forwarder of the node that owns its session, task or handle (found through the global
 * registry, `mcp_forwarder:<node>`) and writes the answer it streams back, an SSE stream event
 * by event, granting credit as its client's socket takes it. As the owner it replays the
 * request against its own server on 127.0.0.1, so every check (Host, Origin, body limits, the
 * session, the principal of a task or handle) runs where the state lives, and sends the answer
 * no faster than the relay's credit allows. Each side monitors the other: the owner's node
 * going down answers the relay's waiting session requests 404 and its task and handle
 * requests here (the spec's not-found errors); the relay's going down ends its streams at the owner.
 */
export class SessionForwarder {
  readonly pid: Pid;
  /** Ids this node's server mints (sessions, tasks, handles) start with this: its node number, read by every node. */
  readonly sessionIdPrefix: string;
  private readonly lookup: ForwarderLookup;
  private localPort = 0;
  private nextRef = 1;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Map<string, Incoming>();
  /** Owners (relay side) and relays (owner side) this process monitors, by pid key. */
  private readonly watched = new Set<string>();
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
  private counts = { forwardedOut: 0, forwardedIn: 0, ownerGone: 0, peakUncredited: 0 };
  private stopped = false;
  private registered = false;
  /** Marks the requests this forwarder sends its own server to be answered there, not routed again. */
  private readonly token = answerHereToken();

  constructor(private readonly dist: DistNode) {
    if (dist.global === null)
      throw new DistBadArgError(
        'MCP across nodes finds owners through the global registry: start the node with global',
      );
    this.lookup = new ForwarderLookup(dist, dist.global);
    this.pid = spawn((ctx) => this.loop(ctx));
    this.sessionIdPrefix = ownerPrefix(this.pid.node);
  }

  private get global(): GlobalRegistry {
    return this.dist.global!;
  }

  /** Registers this forwarder as its node's (`mcp_forwarder:<node>`), before the server mints any id. */
  async register(): Promise<void> {
    const name = forwarderName(this.dist.name);
    if (!(await this.global.registerName(name, this.pid)))
      throw new DistBadArgError(
        `${name} is held by a live process: is another server of node ${this.dist.name} running?`,
      );
    this.registered = true;
  }

  /** The port of this node's own server, which forwarded requests are replayed against. */
  serveOn(port: number): void {
    this.localPort = port;
  }

  stats(): ForwarderStats {
    let awaitingCredit = 0;
    let heldForCredit = 0;
    let relayBuffered = 0;
    for (const entry of this.incoming.values()) {
      awaitingCredit += entry.unacked;
      if (entry.paused) heldForCredit++;
    }
    for (const { res } of this.outgoing.values()) relayBuffered += res.writableLength;
    return {
      ...this.counts,
      inFlight: this.outgoing.size + this.incoming.size,
      awaitingCredit,
      heldForCredit,
      relayBuffered,
    };
  }

  /**
   * `listenHttp`'s router: a request whose session, task or handle another live node owns goes
   * there. One whose owner is gone: a session's is answered 404 here, a task's or handle's is
   * left to this server (which answers the spec's -32602, as for any unknown id); so is
   * anything of ours, or of no node's.
   */
  route(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.stopped || req.headers[ANSWER_HERE] === this.token) return false;
    const owned = ownedBy(req.headers);
    if (owned === undefined) return false;
    const node = ownerNodeOf(owned.id);
    if (node === undefined || node === this.pid.node) return false;
    const found = this.lookup.find(node);
    if (found === 'gone') {
      this.counts.ownerGone++;
      if (owned.kind !== 'session') return false;
      req.resume();
      sessionGone(res);
      return true;
    }
    if (found !== undefined) {
      this.forward(req, res, found, owned.kind);
      return true;
    }
    // A connected node whose forwarder this node's copy of the registry does not name (yet): see resolve().
    void this.lookup.resolve(node).then((owner) => {
      if (res.destroyed) return;
      if (owner !== undefined && !this.stopped) return this.forward(req, res, owner, owned.kind);
      this.counts.ownerGone++;
      if (owned.kind === 'session') {
        req.resume();
        return sessionGone(res);
      }
      readRest(req, res, [], (body) => answerHere(this.localPort, this.token, req, res, body));
    });
    return true;
  }

  /** Ends the process; requests in flight end with it (their clients see the connection close). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.registered) void this.global.unregisterName(forwarderName(this.dist.name)).catch(() => undefined);
    this.lookup.stop();
    exit(this.pid, 'kill');
    for (const { res } of this.outgoing.values()) res.destroy();
    for (const entry of this.incoming.values()) entry.upstream.destroy();
    this.outgoing.clear();
    this.incoming.clear();
    this.agent.destroy();
  }

  // ---- relay side: the node a client's request reached -------------------------------

  private forward(req: IncomingMessage, res: ServerResponse, owner: Pid, kind: OwnedBy['kind']): void {
    const ref = this.nextRef++;
    const relay = this.pid;
    this.counts.forwardedOut++;
    const entry: Outgoing = { req, res, owner, kind, body: new ReplayableBody(), ungranted: 0 };
    // A session's request is not answered anywhere else: its body need not be kept.
    if (kind === 'session') entry.body.drop();
    this.outgoing.set(ref, entry);
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
      entry.body.keep(chunk);
      if (this.outgoing.get(ref) === entry) toOwner({ mcpFwd: 'body', ref, relay, chunk });
    });
    req.once('end', () => {
      if (this.outgoing.get(ref) === entry) toOwner({ mcpFwd: 'end', ref, relay });
    });
    res.once('close', () => {
      if (this.outgoing.get(ref) !== entry) return;
      this.outgoing.delete(ref);
      // The client went away before the answer ended (an SSE stream closed): end it at the owner too.
      if (!res.writableFinished) toOwner({ mcpFwd: 'abort', ref, relay });
    });
  }

  private onRelayMessage(message: ToRelay): void {
    const ref = message.ref;
    const entry = this.outgoing.get(ref);
    if (entry === undefined) return;
    const { res } = entry;
    switch (message.mcpFwd) {
      case 'head':
        entry.body.drop();
        res.writeHead(message.status, message.headers);
        // An SSE stream's events must not wait for a buffer to fill.
        res.flushHeaders();
        return;
      case 'data': {
        const chunk = asBuffer(message.chunk);
        // Credit goes back as the client's socket takes the bytes, a step at a time.
        res.write(chunk, () => {
          if (this.outgoing.get(ref) !== entry) return;
          entry.ungranted += chunk.length;
          if (entry.ungranted < CREDIT_STEP) return;
          send(entry.owner, { mcpFwd: 'credit', ref, relay: this.pid, bytes: entry.ungranted } satisfies ToOwner);
          entry.ungranted = 0;
        });
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
        return;
      }
      case 'done':
        this.outgoing.delete(ref);
        // The owner answered before reading all of the body (a 413): what is left is not forwarded.
        if (!entry.req.complete) entry.req.removeAllListeners('data').resume();
        res.end();
        return;
      case 'fail':
        this.outgoing.delete(ref);
        this.ownerLost(entry);
        return;
    }
  }

  /** An owner's forwarder is gone (its node went down, or it stopped): what it held is gone. */
  private ownerDown(owner: Pid): void {
    // Not remembered as dead: after a partition heals the same forwarder serves its sessions again;
    // a forwarder that stopped leaves the registry, and until the watch says so a request sent to
    // it is answered here at once (a monitor of a dead process fires at once).
    for (const [ref, entry] of this.outgoing) {
      if (!entry.owner.equals(owner)) continue;
      this.outgoing.delete(ref);
      this.counts.ownerGone++;
      this.ownerLost(entry);
    }
  }

  /**
   * The owner cannot answer. A session's request: 404 (-32001), the client starts a new
   * session. A task's or handle's, not answered yet: this node's server answers it (the
   * task or handle is unknown here: the spec's -32602 with the request's id), once its body is in.
   */
  private ownerLost(entry: Outgoing): void {
    const { req, res } = entry;
    if (entry.kind === 'session' || res.headersSent) {
      req.resume();
      return sessionGone(res);
    }
    const body = entry.body.take();
    if (body === null) return void res.destroy();
    req.removeAllListeners('data');
    readRest(req, res, body, (all) => answerHere(this.localPort, this.token, req, res, all));
  }

  // ---- owner side: the node whose server holds the session ---------------------------

  private onOwnerMessage(message: ToOwner, ctx: ProcessContext): void {
    const key = `${keyOf(message.relay)}/${message.ref}`;
    if (message.mcpFwd === 'open') return this.open(message, key, ctx);
    const entry = this.incoming.get(key);
    if (entry === undefined) return;
    if (message.mcpFwd === 'body') {
      const chunk = asBuffer(message.chunk);
      entry.body.keep(chunk);
      entry.upstream.write(chunk);
    } else if (message.mcpFwd === 'end') {
      entry.ended = true;
      entry.upstream.end();
    } else if (message.mcpFwd === 'credit') {
      if (typeof message.bytes === 'number') entry.credit(message.bytes);
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
          entry.body.drop();
          entry.answer = answer;
          toRelay({ mcpFwd: 'head', ref, status: answer.statusCode ?? 502, headers: endToEndHeaders(answer.headers) });
          answer.on('data', (chunk: Buffer) => {
            toRelay({ mcpFwd: 'data', ref, chunk });
            entry.sent(chunk.length);
            if (entry.unacked > this.counts.peakUncredited) this.counts.peakUncredited = entry.unacked;
          });
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
        const body = upstream.reusedSocket && error.code === 'ECONNRESET' ? entry.body.take() : null;
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
          case 'credit':
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
