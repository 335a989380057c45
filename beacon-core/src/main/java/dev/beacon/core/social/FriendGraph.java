package dev.beacon.core.social;

import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The friend graph as the features read it: each user's friends and followers, cached after the
 * first read and dropped on every change, which is also reported as a {@code friends/userId}
 * change. Blocking on a cache miss.
 */
public final class FriendGraph {

  /** The most ids a friend list may hold. */
  public static final int MAX_FRIENDS = 1000;

  private final FriendStore store;
  private final Changes changes;
  private final ConcurrentHashMap<String, List<String>> friends = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<String>> followers = new ConcurrentHashMap<>();
  private final int maxCached;
  /**
   * Moves on every change, after the store is written: a list loaded while it moved may be the
   * old one, and is returned but not cached (else a removed friend could stay cached for good).
   */
  private final AtomicLong generation = new AtomicLong();

  public FriendGraph(FriendStore store, Changes changes, int maxCached) {
    this.store = store;
    this.changes = changes;
    this.maxCached = maxCached;
  }

  public List<String> friendsOf(String appId, String userId) {
    return cached(friends, appId, userId, () -> store.friends(appId, userId));
  }

  public List<String> followersOf(String appId, String userId) {
    return cached(followers, appId, userId, () -> store.followers(appId, userId));
  }

  public boolean isFriend(String appId, String userId, String other) {
    return friendsOf(appId, userId).contains(other);
  }

  public void set(String appId, String userId, List<String> friendIds, long now) {
    List<String> before = friendsOf(appId, userId);
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(friendIds));
    unique.remove(userId);
    store.setFriends(appId, userId, unique, now);
    Set<String> touched = new LinkedHashSet<>(before);
    touched.addAll(unique);
    invalidate(appId, userId, touched);
  }

  public boolean add(String appId, String userId, String friendId, long now) {
    if (userId.equals(friendId)) {
      return false;
    }
    boolean added = store.addFriend(appId, userId, friendId, now);
    invalidate(appId, userId, Set.of(friendId));
    return added;
  }

  public boolean remove(String appId, String userId, String friendId) {
    boolean removed = store.removeFriend(appId, userId, friendId);
    invalidate(appId, userId, Set.of(friendId));
    return removed;
  }

  private void invalidate(String appId, String userId, Set<String> others) {
    generation.incrementAndGet();
    friends.remove(appId + '\u0000' + userId);
    List<DependencyKey> keys = new ArrayList<>();
    keys.add(DependencyKey.of(appId, "friends", userId));
    for (String other : others) {
      followers.remove(appId + '\u0000' + other);
      keys.add(DependencyKey.of(appId, "followers", other));
    }
    changes.changed(keys);
  }

  private List<String> cached(ConcurrentHashMap<String, List<String>> cache, String appId,
      String userId, java.util.function.Supplier<List<String>> load) {
    String key = appId + '\u0000' + userId;
    List<String> hit = cache.get(key);
    if (hit != null) {
      return hit;
    }
    long before = generation.get();
    List<String> loaded = List.copyOf(load.get());
    if (generation.get() != before) {
      return loaded; // a change landed meanwhile: good for this read, not to keep
    }
    if (cache.size() >= maxCached) {
      cache.clear(); // bounded: start over rather than grow
    }
    cache.put(key, loaded);
    if (generation.get() != before) {
      cache.remove(key, loaded); // a change landed between the check and the put
    }
    return loaded;
  }
}
