package dev.beacon.core.hub;

/** A connection living on a lane, so that the lane can reach every connection it carries. */
public interface Attached {

  /** The app the connection belongs to. */
  String appId();

  /**
   * Whether the connection has authenticated as {@code userId}: a Pusher {@code pusher:signin},
   * or a Convex sync {@code Authenticate} with the user's token. Being a presence member as the
   * user does not count (as Pusher's terminate_connections leaves such connections open).
   */
  boolean signedInAs(String userId);

  /** Closes the connection with a Pusher close code; idempotent. */
  void close(int code, String reason);
}
