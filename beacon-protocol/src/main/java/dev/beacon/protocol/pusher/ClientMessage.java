package dev.beacon.protocol.pusher;

import java.util.Optional;

/** A message a Pusher client sends over the WebSocket. */
public sealed interface ClientMessage {

  /** {@code pusher:subscribe}. */
  record Subscribe(String channel, Optional<String> auth, Optional<String> channelData)
      implements ClientMessage {}

  /** {@code pusher:unsubscribe}. */
  record Unsubscribe(String channel) implements ClientMessage {}

  /** {@code pusher:ping}: answered with {@code pusher:pong}. */
  record Ping() implements ClientMessage {}

  /** {@code pusher:pong}: the answer to the server's ping. */
  record Pong() implements ClientMessage {}

  /** {@code pusher:signin}: user authentication. */
  record Signin(String auth, String userData) implements ClientMessage {}

  /**
   * A {@code client-} event.
   *
   * @param dataJson the JSON text of the {@code data} value as received (a string stays quoted)
   */
  record ClientEvent(String event, String channel, String dataJson) implements ClientMessage {}

  /** Any other event name: not part of the protocol the server implements. */
  record Unknown(String event) implements ClientMessage {}
}
