/** What a forwarder counted: requests it passed to other nodes, and requests it answered for them. */
export interface ForwarderStats {
  /** Requests taken here and passed to the node that owns their session, task or handle. */
  forwardedOut: number;
  /** Requests other nodes passed here, answered by this node's server. */
  forwardedIn: number;
  /** Requests whose owner's node is gone: sessions answered 404, tasks and handles answered by this node's server. */
  ownerGone: number;
  /** Forwarded requests in flight, both ways. */
  inFlight: number;
  /** Owner side: answer bytes sent to relays and not credited yet, all streams, now (each at most about the credit window). */
  awaitingCredit: number;
  /** Owner side: answers held now because their relay's client is not reading. */
  heldForCredit: number;
  /** Owner side: the most one answer ever had sent and not credited. */
  peakUncredited: number;
  /** Relay side: bytes of forwarded answers written here and not yet taken by their clients' sockets, now. */
  relayBuffered: number;
}
