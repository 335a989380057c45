package dev.beacon.core.notifications;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.json.Json;

/**
 * A stored notification.
 *
 * @param dataJson the app's {@code data} in Convex's JSON encoding ({@code null} when none), so
 *     int64, bytes and special floats come back as they were sent
 * @param readAt when it was read, 0 while unread
 */
public record Notification(String id, String userId, String type, String title, String body,
    String dataJson, long createdAt, long readAt) {

  /** An app's value as stored: Convex's JSON encoding, which keeps its types. */
  public static String encodeData(com.fasterxml.jackson.databind.JsonNode value) {
    return Json.write(dev.beacon.protocol.convex.ConvexValues.toJson(value));
  }

  /** A stored value back as a Convex value (rows from before the encoding read the same). */
  public static com.fasterxml.jackson.databind.JsonNode decodeData(String json) {
    return dev.beacon.protocol.convex.ConvexValues.fromJson(Json.parse(json));
  }

  /** As functions return it: a Convex-style document. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("userId", userId);
    n.put("type", type);
    n.put("title", title);
    n.put("body", body);
    n.set("data", decodeData(dataJson));
    n.put("read", readAt > 0);
    if (readAt > 0) {
      n.put("readAt", (double) readAt);
    } else {
      n.putNull("readAt");
    }
    return n;
  }
}
