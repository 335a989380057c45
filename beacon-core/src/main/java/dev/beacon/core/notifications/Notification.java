package dev.beacon.core.notifications;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.convex.ConvexValues;

/**
 * A stored notification.
 *
 * @param dataJson the app's {@code data} in Convex's JSON encoding ({@code null} when none), so
 *     int64, bytes and special floats come back as they were sent
 * @param readAt when it was read, 0 while unread
 */
public record Notification(String id, String userId, String type, String title, String body,
    String dataJson, long createdAt, long readAt) {

  /** As functions return it: a Convex-style document. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("userId", userId);
    n.put("type", type);
    n.put("title", title);
    n.put("body", body);
    n.set("data", ConvexValues.fromJsonText(dataJson));
    n.put("read", readAt > 0);
    if (readAt > 0) {
      n.put("readAt", (double) readAt);
    } else {
      n.putNull("readAt");
    }
    return n;
  }
}
