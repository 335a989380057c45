package dev.beacon.core.hub;

/** A connection living on a lane, so that the lane can reach every connection it carries. */
public interface Attached {

  /** The app the connection belongs to. */
  String appId();

  /** Whether the connection acts as {@code userId} (signed in, or a presence member). */
  boolean actsAs(String userId);

  /** Closes the connection with a Pusher close code; idempotent. */
  void close(int code, String reason);
}
