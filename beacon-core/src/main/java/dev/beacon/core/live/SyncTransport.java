package dev.beacon.core.live;

/** The WebSocket under a {@link SyncSession}; called on the session's lane thread. */
public interface SyncTransport {

  /** Sends one text frame and flushes it. */
  void send(String text);

  /** Sends one text frame, given as its UTF-8 bytes, and flushes it. */
  default void send(byte[] utf8) {
    send(new String(utf8, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Sends a WebSocket ping frame. */
  void ping();

  /** Closes with a WebSocket close code; idempotent. */
  void close(int code, String reason);
}
