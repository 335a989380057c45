package dev.beacon.core.social;

import java.util.List;

/** The durable friend graph: a directed list of friends per user. Blocking. */
public interface FriendStore {

  /** The friends {@code userId} has registered. */
  List<String> friends(String appId, String userId);

  /** The users who have {@code userId} among their friends. */
  List<String> followers(String appId, String userId);

  /** Replaces the user's friends. */
  void setFriends(String appId, String userId, List<String> friendIds, long now);

  /** @return whether the friend was not there before */
  boolean addFriend(String appId, String userId, String friendId, long now);

  /** @return whether the friend was there */
  boolean removeFriend(String appId, String userId, String friendId);
}
