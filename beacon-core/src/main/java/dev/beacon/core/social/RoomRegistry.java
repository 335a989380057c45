package dev.beacon.core.social;

import java.util.List;
import java.util.Optional;

/**
 * The durable record of rooms and their members: who the app's backend registered (for apps whose
 * rooms are closed), and each member's last visit. Blocking.
 */
public interface RoomRegistry {

  /** A member of a room: registered by the backend, or having been present. */
  record Member(String userId, boolean registered, long lastSeen, String dataJson) {}

  List<Member> members(String appId, String roomId, int limit);

  Optional<Member> member(String appId, String roomId, String userId);

  /** Rooms the user is a registered member of. */
  List<String> registeredRooms(String appId, String userId);

  /** Replaces the registered members of a room (others keep their visit history). */
  void setRegistered(String appId, String roomId, List<String> userIds);

  boolean register(String appId, String roomId, String userId);

  boolean unregister(String appId, String roomId, String userId);

  /** Records that a user left the room at {@code lastSeen} with its last {@code dataJson}. */
  void recordVisit(String appId, String roomId, String userId, long lastSeen, String dataJson);

  /** A room a user was in, and when it left. */
  record Visit(String roomId, long lastSeen) {}

  /** The rooms the user has left, most recently left first. */
  List<Visit> visits(String appId, String userId, int limit);

  /** Forgets the user's visit of the room (a registration stays). */
  void forgetVisit(String appId, String roomId, String userId);

  /** Forgets every visit of the room (registrations stay). */
  void forgetVisits(String appId, String roomId);
}
