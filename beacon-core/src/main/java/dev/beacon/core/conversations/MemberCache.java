package dev.beacon.core.conversations;

import dev.beacon.core.outbox.PushIntent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The conversation store, with the member sets of recently read conversations kept in memory:
 * what a membership check reads (a live query on a conversation checks it every round, one per
 * stored flush of a streamed message), which changes only when members are added or removed.
 *
 * <p>Sound only while every change of members goes through this object, which is so on a single
 * node (the store is this process's); in a cluster another node adds and removes members, so
 * there the cache is turned off ({@link #enabled}) and every check reads the store. A write of
 * members drops the conversation's entry once it is committed, before it returns (so before the
 * caller tells live queries); a read that began before a write ended keeps its value out of the
 * cache (a generation count), so no value read before a commit outlives it.
 *
 * <p>Bounded: at most {@link #MAX_CONVERSATIONS} conversations and {@link #MAX_MEMBERS} member
 * ids in all, the least recently used dropped first. A conversation that does not exist is not
 * kept (conversations are never deleted, only created).
 */
final class MemberCache implements ConversationStore {

  static final int MAX_CONVERSATIONS = 10_000;
  static final int MAX_MEMBERS = 100_000;

  private final ConversationStore store;
  private final int maxConversations;
  private final int maxMembers;
  /** Guarded by itself. Access order: the eldest is the least recently used. */
  private final LinkedHashMap<String, Set<String>> cached = new LinkedHashMap<>(64, 0.75f, true);
  /** Member ids held. Guarded by {@link #cached}. */
  private long members;
  /** Moves on every write of members. Guarded by {@link #cached}. */
  private long generation;
  private volatile boolean enabled = true;

  MemberCache(ConversationStore store) {
    this(store, MAX_CONVERSATIONS, MAX_MEMBERS);
  }

  MemberCache(ConversationStore store, int maxConversations, int maxMembers) {
    this.store = store;
    this.maxConversations = maxConversations;
    this.maxMembers = maxMembers;
  }

  /** Off: every membership check reads the store (a cluster, where other nodes change members). */
  void enabled(boolean on) {
    synchronized (cached) {
      enabled = on;
      generation++;
      cached.clear();
      members = 0;
    }
  }

  boolean enabled() {
    return enabled;
  }

  /** Conversations held (for tests). */
  int size() {
    synchronized (cached) {
      return cached.size();
    }
  }

  /** Member ids held (for tests). */
  long memberCount() {
    synchronized (cached) {
      return members;
    }
  }

  private static String key(String appId, String conversationId) {
    return appId + '\u0000' + conversationId;
  }

  /**
   * The members of the conversation, or empty when it does not exist: from memory when held,
   * else read (two reads) and kept. Blocking.
   */
  Optional<Set<String>> access(String appId, String conversationId) {
    if (!enabled) {
      return read(appId, conversationId);
    }
    String key = key(appId, conversationId);
    long before;
    synchronized (cached) {
      Set<String> held = cached.get(key);
      if (held != null) {
        return Optional.of(held);
      }
      before = generation;
    }
    Optional<Set<String>> read = read(appId, conversationId);
    if (read.isPresent()) {
      synchronized (cached) {
        // a write of members ended during the read: what was read may be older than it
        if (enabled && generation == before && !cached.containsKey(key)) {
          put(key, read.get());
        }
      }
    }
    return read;
  }

  private Optional<Set<String>> read(String appId, String conversationId) {
    if (store.find(appId, conversationId).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Set.copyOf(store.memberSet(appId, conversationId)));
  }

  /** Guarded by {@link #cached}. */
  private void put(String key, Set<String> set) {
    if (set.size() > maxMembers) {
      return;
    }
    cached.put(key, set);
    members += set.size();
    var eldest = cached.entrySet().iterator();
    while (cached.size() > maxConversations || members > maxMembers) {
      Map.Entry<String, Set<String>> e = eldest.next();
      members -= e.getValue().size();
      eldest.remove();
    }
  }

  /** After a write of the conversation's members (committed or failed). */
  private void written(String appId, String conversationId) {
    synchronized (cached) {
      generation++;
      Set<String> gone = cached.remove(key(appId, conversationId));
      if (gone != null) {
        members -= gone.size();
      }
    }
  }

  // ------------------------------------------------------------------ writes of members

  @Override
  public boolean create(String appId, Conversation conversation, List<String> memberIds, long at) {
    try {
      return store.create(appId, conversation, memberIds, at);
    } finally {
      written(appId, conversation.id());
    }
  }

  @Override
  public List<String> addMembers(String appId, String conversationId, List<String> userIds,
      long at) {
    try {
      return store.addMembers(appId, conversationId, userIds, at);
    } finally {
      written(appId, conversationId);
    }
  }

  @Override
  public boolean removeMember(String appId, String conversationId, String userId) {
    try {
      return store.removeMember(appId, conversationId, userId);
    } finally {
      written(appId, conversationId);
    }
  }

  // ------------------------------------------------------------------ the rest, as stored

  @Override
  public Optional<Conversation> find(String appId, String conversationId) {
    return store.find(appId, conversationId);
  }

  @Override
  public boolean isMember(String appId, String conversationId, String userId) {
    return store.isMember(appId, conversationId, userId);
  }

  @Override
  public List<String> members(String appId, String conversationId) {
    return store.members(appId, conversationId);
  }

  @Override
  public Set<String> memberSet(String appId, String conversationId) {
    return store.memberSet(appId, conversationId);
  }

  @Override
  public boolean updateTitle(String appId, String conversationId, String title) {
    return store.updateTitle(appId, conversationId, title);
  }

  @Override
  public List<Listed> listMine(String appId, String userId, int limit, Optional<String> beforeKey) {
    return store.listMine(appId, userId, limit, beforeKey);
  }

  @Override
  public Appended append(String appId, Message message, Optional<String> idempotencyKey,
      List<PushIntent> pushes) {
    return store.append(appId, message, idempotencyKey, pushes);
  }

  @Override
  public Optional<Message> message(String appId, String messageId) {
    return store.message(appId, messageId);
  }

  @Override
  public boolean updateContent(String appId, String messageId, String content, long at) {
    return store.updateContent(appId, messageId, content, at);
  }

  @Override
  public Optional<Watched> watchStream(String appId, String messageId) {
    return store.watchStream(appId, messageId);
  }

  @Override
  public boolean timeoutStream(String appId, Watched seen, long at) {
    return store.timeoutStream(appId, seen, at);
  }

  @Override
  public Set<String> updateStreams(List<StreamText> texts) {
    return store.updateStreams(texts);
  }

  @Override
  public boolean finishStream(String appId, String messageId, String content, String status,
      long at, long epoch) {
    return store.finishStream(appId, messageId, content, status, at, epoch);
  }

  @Override
  public Optional<Message> takeStream(String appId, String messageId, long epoch) {
    return store.takeStream(appId, messageId, epoch);
  }

  @Override
  public boolean delete(String appId, String messageId, long at) {
    return store.delete(appId, messageId, at);
  }

  @Override
  public List<Message> latest(String appId, String conversationId, int limit,
      Optional<Long> beforeSeq) {
    return store.latest(appId, conversationId, limit, beforeSeq);
  }

  @Override
  public List<Message> latest(String appId, String conversationId, int limit,
      Optional<Long> beforeSeq, Optional<Long> fromSeq) {
    return store.latest(appId, conversationId, limit, beforeSeq, fromSeq);
  }

  @Override
  public List<Message> after(String appId, String conversationId, long afterSeq, int limit) {
    return store.after(appId, conversationId, afterSeq, limit);
  }

  @Override
  public List<Message> streaming(String appId, String conversationId) {
    return store.streaming(appId, conversationId);
  }

  @Override
  public List<String> streamingIds(String appId, String conversationId) {
    return store.streamingIds(appId, conversationId);
  }

  @Override
  public List<String> streamingConversations(String appId, String userId) {
    return store.streamingConversations(appId, userId);
  }

  @Override
  public List<Message> allStreaming(String appId) {
    return store.allStreaming(appId);
  }
}
