package dev.beacon.core.social;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.functions.Changes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class FriendGraphTest {

  /** A store whose next read of a friend list runs {@code duringRead} after reading. */
  static final class Store implements FriendStore {
    final Map<String, List<String>> lists = new ConcurrentHashMap<>();
    Runnable duringRead;
    int reads;

    @Override
    public List<String> friends(String appId, String userId) {
      reads++;
      List<String> result = List.copyOf(lists.getOrDefault(userId, List.of()));
      Runnable r = duringRead;
      duringRead = null;
      if (r != null) {
        r.run();
      }
      return result;
    }

    @Override
    public List<String> followers(String appId, String userId) {
      List<String> out = new ArrayList<>();
      lists.forEach((u, l) -> {
        if (l.contains(userId)) {
          out.add(u);
        }
      });
      return out;
    }

    @Override
    public void setFriends(String appId, String userId, List<String> friendIds, long now) {
      lists.put(userId, List.copyOf(friendIds));
    }

    @Override
    public boolean addFriend(String appId, String userId, String friendId, long now) {
      List<String> l = new ArrayList<>(lists.getOrDefault(userId, List.of()));
      boolean added = !l.contains(friendId) && l.add(friendId);
      lists.put(userId, l);
      return added;
    }

    @Override
    public boolean removeFriend(String appId, String userId, String friendId) {
      List<String> l = new ArrayList<>(lists.getOrDefault(userId, List.of()));
      boolean removed = l.remove(friendId);
      lists.put(userId, l);
      return removed;
    }
  }

  @Test
  void listsAreCachedAfterTheFirstRead() {
    Store store = new Store();
    FriendGraph graph = new FriendGraph(store, Changes.NONE, 100);
    graph.add("a", "ann", "bob", 0);
    assertThat(graph.friendsOf("a", "ann")).containsExactly("bob");
    assertThat(graph.friendsOf("a", "ann")).containsExactly("bob");
    assertThat(store.reads).isEqualTo(1);
  }

  @Test
  void aRemovalLandingWhileAListLoadsIsNotHiddenByTheOldList() {
    Store store = new Store();
    FriendGraph graph = new FriendGraph(store, Changes.NONE, 100);
    graph.add("a", "ann", "bob", 0);
    // the read sees bob, then (before the result is cached) another caller removes him
    store.duringRead = () -> graph.remove("a", "ann", "bob");
    assertThat(graph.friendsOf("a", "ann")).containsExactly("bob"); // this read's view
    assertThat(graph.friendsOf("a", "ann")).isEmpty();
    assertThat(graph.isFriend("a", "ann", "bob")).isFalse();
  }
}
