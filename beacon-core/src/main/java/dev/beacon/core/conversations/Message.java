package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stored message.
 *
 * @param seq its place in the conversation: 1, 2, 3 ... with no gaps, so a client that sees a gap
 *     knows it missed one
 * @param authorId the user it is from (for a backend's {@code assistant} or {@code system}
 *     message without one, empty)
 * @param role {@code user}, {@code assistant}, {@code system} ...
 * @param status {@code sent} for a whole message; for a streamed one {@code streaming}, then
 *     {@code done}, {@code error} or {@code timeout}
 * @param editedAt 0 unless edited
 * @param deletedAt 0 unless deleted; a deleted message stays as a tombstone with no content
 */
public record Message(String id, String conversationId, long seq, String authorId, String role,
    String content, String status, long createdAt, long updatedAt, long editedAt, long deletedAt) {

  public static final String SENT = "sent";
  public static final String STREAMING = "streaming";

  public boolean streaming() {
    return STREAMING.equals(status);
  }

  public boolean deleted() {
    return deletedAt > 0;
  }

  public Message withContent(String text, long at) {
    return new Message(id, conversationId, seq, authorId, role, text, status, createdAt, at, editedAt,
        deletedAt);
  }

  /** As functions return it: a Convex-style document, with the names AI chat apps read too. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("conversationId", conversationId);
    n.put("threadId", conversationId);
    n.put("seq", (double) seq);
    if (authorId.isEmpty()) {
      n.putNull("userId");
    } else {
      n.put("userId", authorId);
    }
    n.put("role", role);
    n.put("content", content);
    n.put("status", status);
    n.put("isStreaming", streaming());
    n.put("createdAt", (double) createdAt);
    n.put("updatedAt", (double) updatedAt);
    n.put("edited", editedAt > 0);
    n.put("deleted", deleted());
    return n;
  }
}
