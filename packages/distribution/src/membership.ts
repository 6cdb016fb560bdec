/** What each node publishes on the cluster's heartbeat subject. */
export interface Heartbeat {
  /** The node's number for this run (pids carry it): a restarted node has a new one, as Erlang's creation. */
  id: number;
  name: string;
  /** Bumped each time this node lost NATS and dropped every relation: peers that still hold some drop them too. */
  session: number;
  /** Sent once as the node leaves. */
  bye?: true;
}

export interface Member {
  id: number;
  name: string;
  session: number;
  lastSeen: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function encodeHeartbeat(hb: Heartbeat): Uint8Array {
  return utf8.encode(JSON.stringify(hb));
}

/** A heartbeat, or undefined for bytes that are not one (never thrown: anyone can publish on the subject). */
export function decodeHeartbeat(bytes: Uint8Array): Heartbeat | undefined {
  try {
    const hb = JSON.parse(utf8Decoder.decode(bytes)) as Partial<Heartbeat>;
    if (typeof hb.id !== 'number' || typeof hb.name !== 'string' || typeof hb.session !== 'number') return undefined;
    return { id: hb.id, name: hb.name, session: hb.session, bye: hb.bye === true ? true : undefined };
  } catch {
    return undefined;
  }
}

/** What a heartbeat means for the table of connected nodes. */
export type HeartbeatEffect =
  | { kind: 'seen' }
  | { kind: 'up'; member: Member; replaced?: Member }
  | { kind: 'reset'; member: Member }
  | { kind: 'down'; member: Member };

/**
 * The nodes this node is connected to, by id and by name, fed by heartbeats. A node is up
 * from its first heartbeat until it says bye, misses `missed` heartbeats in a row, or is
 * replaced by a new run under the same name.
 */
export class Membership {
  private readonly byId = new Map<number, Member>();
  private readonly byName = new Map<string, Member>();

  constructor(private readonly selfId: number) {}

  get(id: number): Member | undefined {
    return this.byId.get(id);
  }

  named(name: string): Member | undefined {
    return this.byName.get(name);
  }

  members(): Member[] {
    return [...this.byId.values()];
  }

  heard(hb: Heartbeat, now: number): HeartbeatEffect {
    if (hb.id === this.selfId) return { kind: 'seen' };
    const known = this.byId.get(hb.id);
    if (hb.bye === true) {
      if (known === undefined) return { kind: 'seen' };
      this.remove(known);
      return { kind: 'down', member: known };
    }
    if (known !== undefined) {
      known.lastSeen = now;
      if (known.session === hb.session) return { kind: 'seen' };
      known.session = hb.session;
      return { kind: 'reset', member: known };
    }
    const member: Member = { id: hb.id, name: hb.name, session: hb.session, lastSeen: now };
    const replaced = this.byName.get(hb.name);
    if (replaced !== undefined) this.remove(replaced);
    this.byId.set(member.id, member);
    this.byName.set(member.name, member);
    return { kind: 'up', member, replaced };
  }

  /** Members not heard from since `deadline`. */
  silentSince(deadline: number): Member[] {
    return this.members().filter((m) => m.lastSeen < deadline);
  }

  remove(member: Member): void {
    if (this.byId.get(member.id) === member) this.byId.delete(member.id);
    if (this.byName.get(member.name) === member) this.byName.delete(member.name);
  }

  clear(): Member[] {
    const all = this.members();
    this.byId.clear();
    this.byName.clear();
    return all;
  }
}
