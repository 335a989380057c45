package dev.beacon.core.console;

import java.util.List;
import java.util.Optional;

/**
 * What an app's debug console shows: connections, subscriptions, events, function calls and
 * errors as they happen. Every method defaults to doing nothing, so a server with the console
 * off passes {@link #NONE} and pays nothing. Implementations must be cheap, thread-safe and
 * bounded: they are called on the event loops, once per occurrence (never per delivery).
 */
public interface DebugConsole {

  DebugConsole NONE = new DebugConsole() {};

  /** A Pusher connection opened. */
  default void connected(String appId, String socketId, int protocol) {}

  /** A Pusher connection closed, for whatever reason. */
  default void disconnected(String appId, String socketId) {}

  /** A connection subscribed to a channel; presence subscriptions name the member. */
  default void subscribed(String appId, String socketId, String channel, Optional<String> userId) {}

  /** A connection left a channel by unsubscribing. */
  default void unsubscribed(String appId, String socketId, String channel) {}

  /** A connection left a channel because it closed; presence members are named. */
  default void leftOnClose(String appId, String socketId, String channel, Optional<String> userId) {}

  /** A client event was accepted and fanned out; {@code dataJson} is its data as sent. */
  default void clientEvent(String appId, String socketId, String channel, String event,
      String dataJson) {}

  /** An event was published through the HTTP API to {@code channels}. */
  default void apiEvent(String appId, List<String> channels, String event, String data) {}

  /**
   * A built-in function was called, over HTTP or a sync WebSocket.
   *
   * @param caller who called, as {@link dev.beacon.core.functions.Caller#describe()} says it
   * @param outcome {@code success} or the error code in lower case
   */
  default void functionCall(String appId, String path, String caller, String outcome, long nanos) {}

  /**
   * An error was sent to a client or caller.
   *
   * @param code the Pusher error code or HTTP status; 0 when the error carries none
   */
  default void error(String appId, Optional<String> socketId, int code, String message) {}
}
