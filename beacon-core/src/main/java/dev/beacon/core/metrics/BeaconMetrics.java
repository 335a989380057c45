package dev.beacon.core.metrics;

/**
 * What the domain reports about its work. Every method defaults to doing nothing, so a
 * component that needs no metrics passes {@link #NONE}. Implementations must be cheap and
 * thread-safe: they are called on the event loops.
 */
public interface BeaconMetrics {

  BeaconMetrics NONE = new BeaconMetrics() {};

  default void connectionOpened(String appId) {}

  default void connectionClosed(String appId) {}

  /** A message received from a client. */
  default void messageIn(String appId) {}

  /** An event published through the HTTP API, to {@code channels} channels. */
  default void apiEvent(String appId, int channels) {}

  /** {@code count} messages written to clients. */
  default void messagesOut(String appId, int count) {}

  /** A client event accepted and fanned out. */
  default void clientEvent(String appId) {}

  /** An error sent to a client or caller, by its Pusher code or HTTP status. */
  default void error(String appId, int code) {}

  /** A publication refused because a lane's queue was full. */
  default void overloaded(String appId) {}

  /**
   * A built-in function call and how it ended, over HTTP or a sync WebSocket.
   *
   * @param outcome {@code success} or the error code in lower case
   */
  default void functionCall(String appId, String path, String outcome, long nanos) {}
}
