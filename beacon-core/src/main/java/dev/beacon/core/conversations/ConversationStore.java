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

  /**
   * Edits a message's content; keeps its status. Only a message that is neither deleted nor
   * {@code streaming}: a stream's text is written only by its holder ({@link #updateStreams},
   * {@link #finishStream}), fenced by its epoch.
   */
  boolean updateContent(String appId, String messageId, String content, long at);

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
   * <p>On PostgreSQL the wait for the row (locked by a holder's flush in progress) is bounded:
   * past {@link #TAKE_LOCK_WAIT_MILLIS} nothing is taken and {@link StreamBusy} is thrown. A
   * holder's flush transaction that stops in the middle (its process paused) is ended by the
   * database after {@link #STREAM_TXN_IDLE_MILLIS}, which frees the row before that.
   *
   * @return the message as stored, or empty when it is not streaming or a newer epoch is stored
   * @throws StreamBusy when the row stayed locked for the whole bounded wait
   */
  Optional<Message> takeStream(String appId, String messageId, long epoch);

  /**
   * How long a transaction writing a stream's row (a flush, a takeover) may sit idle between its
   * statements on PostgreSQL before the database ends it (its process paused: GC, a stopped
   * node), so it holds the row's lock no longer than that: the time a silent holder is taken for
   * gone in a cluster.
   */
  long STREAM_TXN_IDLE_MILLIS = 2000;

  /**
   * How long {@link #takeStream} waits for a stream's row locked by another transaction on
   * PostgreSQL: longer than {@link #STREAM_TXN_IDLE_MILLIS}, so a paused holder's flush is ended
   * first and the takeover goes on.
   */
  long TAKE_LOCK_WAIT_MILLIS = 3000;

  /** {@link #takeStream} gave up waiting for the stream's row, locked by another transaction. */
  final class StreamBusy extends RuntimeException {
    public StreamBusy(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A streaming message as a node that only watches it read it: with its holder's fencing epoch
   * as stored ({@link #takeStream}).
   */
  record Watched(Message message, long epoch) {}

  /** The message, with its stored fencing epoch, while it is {@code streaming}. */
  Optional<Watched> watchStream(String appId, String messageId);

  /**
   * Ends a stream that no holder ended as {@code timeout}, for a node that only watches it: only
   * if it is unchanged since {@code seen} was read (still {@code streaming}, no flush since: the
   * same {@code updated_at}; no takeover since: the same epoch), so a node that took it over or
   * flushed it meanwhile keeps it. Its stored text is kept as it is.
   */
  boolean timeoutStream(String appId, Watched seen, long at);

  /**
   * Makes the message a tombstone: content cleared, deleted time set. Not a {@code streaming}
   * message (its stream is ended first, fenced: {@link #finishStream}).
   */
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

  /**
   * The ids of the conversation's messages being streamed now, oldest first: {@link #streaming}
   * without reading their text.
   */
  default List<String> streamingIds(String appId, String conversationId) {
    return streaming(appId, conversationId).stream().map(Message::id).toList();
  }

  /** The user's conversations with a message streaming now. */
  List<String> streamingConversations(String appId, String userId);

  /** Every message being streamed in every app (to resume their timeouts after a restart). */
  List<Message> allStreaming(String appId);
}
