package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stored conversation.
 *
 * @param lastSeq the sequence number of its newest message, 0 before the first
 * @param activityKey orders conversations by their last activity (an id-shaped key, the newest
 *     message's id or the conversation's creation key); it is also the cursor of {@code listMine}
 * @param lastActivity when the last message was stored (its creation time before any)
 */
public record Conversation(String id, String title, String createdBy, long createdAt, long lastSeq,
    String activityKey, long lastActivity) {

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("conversationId", id);
    n.put("threadId", id);
    n.put("title", title);
    n.put("createdBy", createdBy);
    n.put("lastSeq", (double) lastSeq);
    n.put("lastActivityAt", (double) lastActivity);
    return n;
  }
}
