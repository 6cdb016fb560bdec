/**
 * A client address asked for one more session than `maxSessionsPerClient` allows: answered with
 * HTTP 429 (and a JSON-RPC error), or a WebSocket close 1013. Its other sessions go on.
 */
export class ClientSessionLimitError extends Error {
  override readonly name = 'ClientSessionLimitError';
  constructor(
    readonly address: string,
    readonly limit: number,
  ) {
    super(`too many sessions from ${address}: it holds its limit of ${limit}`);
  }
}

/**
 * Sessions open per client address (the socket's remote address, not a header a client
 * chooses). A slot is reserved before a session starts, so a burst of initializes from one
 * address cannot all pass the check at once, and given back when the session ends.
 */
export class ClientSessions {
  private readonly perAddress = new Map<string, number>();
  private readonly addressOf = new Map<string, string>();

  constructor(readonly limit: number) {
    if (!(limit >= 1 && (Number.isInteger(limit) || limit === Infinity)))
      throw new RangeError(`maxSessionsPerClient must be a positive integer or Infinity, not ${limit}`);
  }

  /** Takes a slot for `address`; a ClientSessionLimitError when it holds the limit already. */
  reserve(address: string): ClientSessionLimitError | undefined {
    const held = this.perAddress.get(address) ?? 0;
    if (held >= this.limit) return new ClientSessionLimitError(address, this.limit);
    this.perAddress.set(address, held + 1);
    return undefined;
  }

  /** The session started: its slot is given back when {@link ended} is called with its id. */
  started(id: string, address: string): void {
    this.addressOf.set(id, address);
  }

  /** Gives a reserved slot back (the session did not start, or it ended). */
  release(address: string): void {
    const held = (this.perAddress.get(address) ?? 0) - 1;
    if (held <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, held);
  }

  ended(id: string): void {
    const address = this.addressOf.get(id);
    if (address === undefined) return;
    this.addressOf.delete(id);
    this.release(address);
  }

  /** Sessions held by `address` now. */
  heldBy(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }
}
