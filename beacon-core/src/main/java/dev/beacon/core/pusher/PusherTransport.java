package dev.beacon.core.pusher;

/**
 * The socket under a {@link PusherSession}, as the transport provides it. Every method is called on
 * the session's lane thread.
 */
public interface PusherTransport {

  /** Queues a text frame holding {@code utf8Json}; written out on {@link #flush()}. */
  void write(byte[] utf8Json);

  /** Writes out what was queued. */
  void flush();

  /** Sends a WebSocket ping frame. */
  void ping();

  /** Sends a close frame with the code and reason, then closes; idempotent. */
  void close(int code, String reason);
}
