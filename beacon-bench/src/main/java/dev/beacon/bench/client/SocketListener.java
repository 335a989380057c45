package dev.beacon.bench.client;

/**
 * What a scenario hears from its sockets. Called on the socket's event loop; every method has a
 * no-op default so a scenario implements only what it measures.
 */
public interface SocketListener {

  /** The WebSocket is open and, for Pusher, {@code connection_established} has arrived. */
  default void established(BenchSocket socket) {}

  /** A subscription was confirmed (for the raw baseline: the WebSocket opened). */
  default void subscribed(BenchSocket socket) {}

  /** A channel event arrived; {@code sentNanos} is the timestamp in its payload, or -1. */
  default void event(BenchSocket socket, long sentNanos) {}

  /** {@code pusher_internal:member_added} for bench user {@code u<number>}. */
  default void memberAdded(BenchSocket socket, long number) {}

  /** {@code pusher_internal:member_removed} for bench user {@code u<number>}. */
  default void memberRemoved(BenchSocket socket, long number) {}

  /** A {@code pusher:error} or {@code pusher:subscription_error}, as received. */
  default void error(BenchSocket socket, String frame) {}

  /** The connection could not be opened. */
  default void failed(BenchSocket socket, Throwable cause) {}

  /** The connection closed (after having opened). */
  default void closed(BenchSocket socket) {}
}
