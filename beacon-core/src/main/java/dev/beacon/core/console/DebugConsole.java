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

  /** A built-in function was called by {@code caller}; by default described as a string. */
  default void functionCall(String appId, String path, dev.beacon.core.functions.Caller caller,
      String outcome, long nanos) {
    functionCall(appId, path, caller.describe(), outcome, nanos);
  }

  /**
   * An error was sent to a client or caller.
   *
   * @param code the Pusher error code or HTTP status; 0 when the error carries none
   */
  default void error(String appId, Optional<String> socketId, int code, String message) {}

  /** Both consoles hear everything, {@code first} first. */
  static DebugConsole both(DebugConsole first, DebugConsole second) {
    return new DebugConsole() {
      @Override
      public void connected(String appId, String socketId, int protocol) {
        first.connected(appId, socketId, protocol);
        second.connected(appId, socketId, protocol);
      }

      @Override
      public void disconnected(String appId, String socketId) {
        first.disconnected(appId, socketId);
        second.disconnected(appId, socketId);
      }

      @Override
      public void subscribed(String appId, String socketId, String channel, Optional<String> userId) {
        first.subscribed(appId, socketId, channel, userId);
        second.subscribed(appId, socketId, channel, userId);
      }

      @Override
      public void unsubscribed(String appId, String socketId, String channel) {
        first.unsubscribed(appId, socketId, channel);
        second.unsubscribed(appId, socketId, channel);
      }

      @Override
      public void leftOnClose(String appId, String socketId, String channel, Optional<String> userId) {
        first.leftOnClose(appId, socketId, channel, userId);
        second.leftOnClose(appId, socketId, channel, userId);
      }

      @Override
      public void clientEvent(String appId, String socketId, String channel, String event,
          String dataJson) {
        first.clientEvent(appId, socketId, channel, event, dataJson);
        second.clientEvent(appId, socketId, channel, event, dataJson);
      }

      @Override
      public void apiEvent(String appId, List<String> channels, String event, String data) {
        first.apiEvent(appId, channels, event, data);
        second.apiEvent(appId, channels, event, data);
      }

      @Override
      public void functionCall(String appId, String path, String caller, String outcome, long nanos) {
        first.functionCall(appId, path, caller, outcome, nanos);
        second.functionCall(appId, path, caller, outcome, nanos);
      }

      @Override
      public void functionCall(String appId, String path, dev.beacon.core.functions.Caller caller,
          String outcome, long nanos) {
        first.functionCall(appId, path, caller, outcome, nanos);
        second.functionCall(appId, path, caller, outcome, nanos);
      }

      @Override
      public void error(String appId, Optional<String> socketId, int code, String message) {
        first.error(appId, socketId, code, message);
        second.error(appId, socketId, code, message);
      }
    };
  }
}
