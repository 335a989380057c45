package dev.beacon.core.hub;

import dev.beacon.protocol.pusher.ServerMessage.Member;

/**
 * Told when a user becomes a member of a presence channel (its first connection or session) and
 * when it stops being one (its last). Called under the channel's roster lock, so transitions of
 * one channel arrive in order: implementations must be quick and must not call the hub.
 */
public interface PresenceListener {

  PresenceListener NONE = new PresenceListener() {};

  default void memberJoined(String appId, String channel, Member member) {}

  default void memberLeft(String appId, String channel, String userId) {}
}
