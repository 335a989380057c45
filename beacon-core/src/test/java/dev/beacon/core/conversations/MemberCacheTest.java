package dev.beacon.core.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.outbox.PushIntent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The member sets kept between membership checks (issue 15): a write of members through the
 * cache is seen by the next check, a read overtaken by a write keeps nothing, the cache is
 * bounded, and off (a cluster) every check reads the store.
 */
class MemberCacheTest {

  /** Conversations and members in maps, counting the reads a membership check makes. */
  static final class Counting implements ConversationStore {
    final Map<String, Set<String>> members = new HashMap<>();
    int reads;
    /** Run inside the next member read, as a write on another thread would be. */
    Runnable duringRead;

    @Override
    public boolean create(String appId, Conversation c, List<String> memberIds, long at) {
      return members.putIfAbsent(c.id(), new LinkedHashSet<>(memberIds)) == null;
    }

    @Override
    public Optional<Conversation> find(String appId, String id) {
      reads++;
      return members.containsKey(id)
          ? Optional.of(new Conversation(id, "t", "", 0, 0, id, 0)) : Optional.empty();
    }

    @Override
    public boolean isMember(String appId, String id, String user) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<String> members(String appId, String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> memberSet(String appId, String id) {
      reads++;
      Set<String> read = Set.copyOf(members.getOrDefault(id, Set.of()));
      Runnable during = duringRead;
      duringRead = null;
      if (during != null) {
        during.run();
      }
      return read;
    }

    @Override
    public List<String> addMembers(String appId, String id, List<String> users, long at) {
      List<String> added = new ArrayList<>();
      for (String u : users) {
        if (members.get(id).add(u)) {
          added.add(u);
        }
      }
      return added;
    }

    @Override
    public boolean removeMember(String appId, String id, String user) {
      return members.get(id).remove(user);
    }

    @Override
    public boolean updateTitle(String appId, String id, String title) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Listed> listMine(String appId, String userId, int limit, Optional<String> before) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Appended append(String appId, Message m, Optional<String> key, List<PushIntent> p) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Message> message(String appId, String messageId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean updateContent(String appId, String id, String content, long at) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Watched> watchStream(String appId, String messageId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean timeoutStream(String appId, Watched seen, long at) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> updateStreams(List<StreamText> texts) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean finishStream(String appId, String id, String content, String status, long at,
        long epoch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Message> takeStream(String appId, String messageId, long epoch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean delete(String appId, String messageId, long at) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Message> latest(String appId, String id, int limit, Optional<Long> before,
        Optional<Long> from) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Message> after(String appId, String id, long afterSeq, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Message> streaming(String appId, String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<String> streamingConversations(String appId, String userId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Message> allStreaming(String appId) {
      throw new UnsupportedOperationException();
    }
  }

  private static Conversation conv(String id) {
    return new Conversation(id, "t", "", 0, 0, id, 0);
  }

  @Test
  void aWriteOfMembersIsSeenByTheNextCheck() {
    Counting store = new Counting();
    MemberCache cache = new MemberCache(store);
    assertThat(cache.access("a", "c")).isEmpty(); // none: not kept
    cache.create("a", conv("c"), List.of("ann", "bob"), 0);
    assertThat(cache.access("a", "c")).contains(Set.of("ann", "bob"));
    int reads = store.reads;
    assertThat(cache.access("a", "c")).contains(Set.of("ann", "bob"));
    assertThat(store.reads).isEqualTo(reads); // from memory
    cache.removeMember("a", "c", "bob");
    assertThat(cache.access("a", "c")).contains(Set.of("ann"));
    cache.addMembers("a", "c", List.of("carl"), 0);
    assertThat(cache.access("a", "c")).contains(Set.of("ann", "carl"));
    assertThat(cache.access("a", "c")).contains(Set.of("ann", "carl"));
    // another app's conversation of the same id is another entry
    assertThat(cache.access("b", "c")).contains(Set.of("ann", "carl"));
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void aReadOvertakenByAWriteKeepsNothing() {
    Counting store = new Counting();
    MemberCache cache = new MemberCache(store);
    cache.create("a", conv("c"), List.of("ann", "bob"), 0);
    // bob is removed (committed, and the cache told) while his membership is being read
    store.duringRead = () -> cache.removeMember("a", "c", "bob");
    assertThat(cache.access("a", "c")).contains(Set.of("ann", "bob")); // read before the write
    assertThat(cache.size()).isZero();
    assertThat(cache.access("a", "c")).contains(Set.of("ann"));
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void theCacheIsBoundedByConversationsAndByMembers() {
    Counting store = new Counting();
    MemberCache cache = new MemberCache(store, 3, 10);
    for (int i = 0; i < 5; i++) {
      cache.create("a", conv("c" + i), List.of("u1", "u2"), 0);
      cache.access("a", "c" + i);
    }
    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.memberCount()).isEqualTo(6);
    // the least recently used goes first
    cache.access("a", "c2");
    cache.create("a", conv("big"), List.of("1", "2", "3", "4", "5", "6", "7", "8"), 0);
    cache.access("a", "big");
    assertThat(cache.memberCount()).isLessThanOrEqualTo(10);
    int reads = store.reads;
    cache.access("a", "big");
    assertThat(store.reads).isEqualTo(reads);
    cache.access("a", "c3");
    assertThat(store.reads).isGreaterThan(reads); // dropped for room
    // a set larger than the whole budget is never kept
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      many.add("m" + i);
    }
    cache.create("a", conv("huge"), many, 0);
    assertThat(cache.access("a", "huge").get()).hasSize(11);
    assertThat(cache.memberCount()).isLessThanOrEqualTo(10);
    assertThat(cache.size()).isLessThanOrEqualTo(3);
  }

  @Test
  void offEveryCheckReadsTheStore() {
    Counting store = new Counting();
    MemberCache cache = new MemberCache(store);
    cache.create("a", conv("c"), List.of("ann"), 0);
    cache.access("a", "c");
    cache.enabled(false);
    assertThat(cache.size()).isZero();
    int reads = store.reads;
    // a member removed by another node (not through this cache) is seen at once
    store.members.get("c").remove("ann");
    assertThat(cache.access("a", "c")).contains(Set.of());
    cache.access("a", "c");
    assertThat(store.reads).isEqualTo(reads + 4);
    assertThat(cache.size()).isZero();
  }
}
