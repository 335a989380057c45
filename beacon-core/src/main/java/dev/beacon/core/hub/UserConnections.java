package dev.beacon.core.hub;

/**
 * Told when a WebSocket connection starts or stops acting as a user (signed in, or a presence
 * member), so that user-level presence counts live connections as sessions. Each connection
 * reports a user at most once until it reports it gone.
 */
public interface UserConnections {

  UserConnections NONE = new UserConnections() {};

  default void connected(String appId, String userId) {}

  default void disconnected(String appId, String userId) {}
}
