/**
 * Limits on what a connection may hold in its outbound buffer: bytes written for a peer that
 * has not read them yet. Without them, a client that stops reading makes the server buffer
 * answers and notifications without bound.
 */
export interface BackpressureOptions {
  /**
   * Above this many buffered outbound bytes the connection stops reading new input, until
   * the buffer drains. Requests already read are still answered. Default 1 MiB. A stream's
   * own high-water mark (16 KiB for a socket) is the floor.
   */
  outboundHighWaterBytes?: number;
  /**
   * Above this many buffered outbound bytes the connection is closed (the client is not
   * reading, and what it is sent does not come from its requests alone: notifications, a
   * tool's progress). Default 64 MiB. At least `outboundHighWaterBytes`.
   */
  maxOutboundBytes?: number;
}

export const DEFAULT_OUTBOUND_HIGH_WATER_BYTES = 1024 * 1024;
export const DEFAULT_MAX_OUTBOUND_BYTES = 64 * 1024 * 1024;

export interface BackpressureLimits {
  highWater: number;
  max: number;
}

/** The limits with their defaults; a throw for limits that make no sense. */
export function backpressureLimits(options: BackpressureOptions): BackpressureLimits {
  const highWater = options.outboundHighWaterBytes ?? DEFAULT_OUTBOUND_HIGH_WATER_BYTES;
  const max = options.maxOutboundBytes ?? Math.max(DEFAULT_MAX_OUTBOUND_BYTES, highWater);
  if (!(highWater >= 0) || !(max >= highWater)) {
    throw new RangeError(
      `Backpressure limits need 0 <= outboundHighWaterBytes (${highWater}) <= maxOutboundBytes (${max})`,
    );
  }
  return { highWater, max };
}

/** A connection was closed because its peer left more than the limit unread. */
export class OutboundOverflowError extends Error {
  constructor(
    readonly buffered: number,
    readonly limit: number,
  ) {
    super(
      `Outbound buffer overflow: ${buffered} bytes unread by the peer, over the limit of ${limit}; connection closed`,
    );
    this.name = 'OutboundOverflowError';
  }
}

/**
 * The limits of a client's transport: none. A client's input is answers, and reading them is
 * what lets the server's output drain and the server read the client's requests again. A
 * client that stopped reading while its own requests wait unread would wait on a server
 * waiting on it, for ever; one that closed would drop every call in flight.
 */
export const CLIENT_BACKPRESSURE: Required<BackpressureOptions> = {
  outboundHighWaterBytes: Infinity,
  maxOutboundBytes: Infinity,
};
