package dev.beacon.core.social;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;

/**
 * How features reach Pusher clients: events on a user's {@code private-user-{userId}} channel, on
 * a room's {@code presence-room-{roomId}} channel and on a conversation's {@code
 * private-conversation-{id}} channel (the conventions of docs/FUNCTIONS.md).
 */
public interface LiveEvents {

  LiveEvents NONE = new LiveEvents() {
    @Override
    public void toUser(App app, String userId, String event, JsonNode data) {}

    @Override
    public void toRoom(App app, String roomId, String event, JsonNode data) {}
  };

  void toUser(App app, String userId, String event, JsonNode data);

  void toRoom(App app, String roomId, String event, JsonNode data);

  /**
   * An event on a conversation's {@code private-conversation-{conversationId}} channel; only
   * members are signed into it. Does nothing unless the implementation reaches Pusher clients.
   */
  default void toConversation(App app, String conversationId, String event, JsonNode data) {}

  /**
   * A streamed message's chunk: {@code message-chunk {messageId, conversationId, seq, text}} on
   * the conversation's channel, as {@link #toConversation} would send it (implementations may
   * encode it without a JSON tree: one is published per chunk).
   */
  default void chunkToConversation(App app, String conversationId, String messageId, long seq,
      String text) {
    toConversation(app, conversationId, "message-chunk",
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            .put("messageId", messageId).put("conversationId", conversationId).put("seq", seq)
            .put("text", text));
  }

  /**
   * {@code userId} is no longer a member of the conversation: its Pusher subscriptions to {@code
   * private-conversation-{conversationId}} end, on every node. Does nothing unless the
   * implementation reaches Pusher clients.
   */
  default void endConversationAccess(App app, String conversationId, String userId) {}

  static String userChannel(String userId) {
    return "private-user-" + userId;
  }

  static String roomChannel(String roomId) {
    return "presence-room-" + roomId;
  }

  static String conversationChannel(String conversationId) {
    return "private-conversation-" + conversationId;
  }
}
