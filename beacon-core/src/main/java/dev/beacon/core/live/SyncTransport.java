package dev.beacon.core.live;

/** The WebSocket under a {@link SyncSession}; called on the session's lane thread. */
public interface SyncTransport {

  /** Sends one text frame and flushes it. */
  void send(String text);

  /** Sends a WebSocket ping frame. */
  void ping();

  /** Closes with a WebSocket close code; idempotent. */
  void close(int code, String reason);
}
