package dev.beacon.core.activity;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.convex.ConvexValues;

/** Something a user did, for its friends' feeds. */
public record Activity(String id, String userId, String type, String dataJson, long createdAt) {

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("userId", userId);
    n.put("type", type);
    n.set("data", ConvexValues.fromJsonText(dataJson));
    return n;
  }
}
