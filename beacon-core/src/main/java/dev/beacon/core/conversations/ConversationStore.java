package dev.beacon.core.conversations;

import dev.beacon.core.outbox.PushIntent;
import java.util.List;
import java.util.Optional;

/** Durable conversations, members and messages. Every write is committed before it returns. Blocking. */
public interface ConversationStore {

  /** A conversation as one member sees it in its list. */
  record Listed(Conversation conversation, Optional<Message> lastMessage, long unread) {}

  /**
   * Creates a conversation with its members.
   *
   * @return false when the id is taken (nothing is changed)
   */
  boolean create(String appId, Conversation conversation, List<String> memberIds, long at);

  Optional<Conversation> find(String appId, String conversationId);

  boolean isMember(String appId, String conversationId, String userId);

  List<String> members(String appId, String conversationId);

  /**
   * The members, in no particular order: what a membership check needs (a live-query round reads
   * it once per conversation for all its watchers), without the ordering {@link #members} gives.
   */
  default java.util.Set<String> memberSet(String appId, String conversationId) {
    return java.util.Set.copyOf(members(appId, conversationId));
  }

  /** @return the users added (not members before) */
  List<String> addMembers(String appId, String conversationId, List<String> userIds, long at);

  /** @return whether the user was a member */
  boolean removeMember(String appId, String conversationId, String userId);

  boolean updateTitle(String appId, String conversationId, String title);

  /**
   * The user's conversations, most recent activity first, with activity keys below {@code
   * beforeKey} (all when empty); each with its newest message and the user's unread count: the
   * messages of others, not deleted, created after the user's read watermark in the conversation
   * (a {@code readReceipts:markChatroomRead} with the conversation as chatroom).
   */
  List<Listed> listMine(String appId, String userId, int limit, Optional<String> beforeKey);

  /** The outcome of {@link #append}: the message stored, and whether it is new. */
  record Appended(Message message, boolean created) {}

  /**
   * Stores a message at the conversation's next sequence number (the {@code seq} of {@code
   * message} is ignored) and moves the conversation's activity. With an idempotency key, a
   * message the same author stored under that key before is returned instead, and nothing is
   * stored. The pushes are stored in the same transaction, and only if the message is.
   */
  Appended append(String appId, Message message, Optional<String> idempotencyKey,
      List<PushIntent> pushes);

  Optional<Message> message(String appId, String messageId);

  /** Replaces a message's content (an edit, or a stream's text so far); keeps its status. */
  boolean updateContent(String appId, String messageId, String content, long at, boolean edit);

  /**
   * A streamed message's text so far, to store, by the holder of fencing epoch {@code epoch}
   * ({@link StreamRelay#UNFENCED} on a single node).
   */
  record StreamText(String appId, String messageId, String content, long at, long epoch) {}

  /**
   * Stores the text so far of streamed messages still {@code streaming} whose stored epoch is not
   * newer than the writer's, all in one transaction. A message left out was ended, or taken over
   * by a node holding a newer epoch ({@link #takeStream}).
   *
   * @return the messages stored, each as its app id, NUL, and message id
   */
  java.util.Set<String> updateStreams(List<StreamText> texts);

  /**
   * Ends a stream: its final text and status; only while it is {@code streaming} and its stored
   * epoch is not newer than {@code epoch} (the writer's; {@link StreamRelay#UNFENCED} always).
   */
  boolean finishStream(String appId, String messageId, String content, String status, long at,
      long epoch);

  /**
   * A node takes a streamed message over with fencing epoch {@code epoch}: in one transaction,
   * raises the stored epoch to it and reads the message, so that every flush of an older holder
   * stored before is in the text read, and every one after is refused.
   *
   * @return the message as stored, or empty when it is not streaming or a newer epoch is stored
   */
  Optional<Message> takeStream(String appId, String messageId, long epoch);

  /** Makes the message a tombstone: content cleared, deleted time set. */
  boolean delete(String appId, String messageId, long at);

  /** Messages with sequence numbers below {@code beforeSeq} (all when empty), newest first. */
  default List<Message> latest(String appId, String conversationId, int limit,
      Optional<Long> beforeSeq) {
    return latest(appId, conversationId, limit, beforeSeq, Optional.empty());
  }

  /**
   * Messages with sequence numbers below {@code beforeSeq} (all when empty) and at least {@code
   * fromSeq} (all when empty), newest first.
   */
  List<Message> latest(String appId, String conversationId, int limit, Optional<Long> beforeSeq,
      Optional<Long> fromSeq);

  /** Messages with sequence numbers above {@code afterSeq}, oldest first. */
  List<Message> after(String appId, String conversationId, long afterSeq, int limit);

  /** The conversation's messages being streamed now, oldest first. */
  List<Message> streaming(String appId, String conversationId);

  /** The user's conversations with a message streaming now. */
  List<String> streamingConversations(String appId, String userId);

  /** Every message being streamed in every app (to resume their timeouts after a restart). */
  List<Message> allStreaming(String appId);
}
