package dev.beacon.protocol.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;

/**
 * The {@code channel_data} of a presence subscription: {@code {"user_id": ..., "user_info": ...}}.
 *
 * <p>A numeric {@code user_id} (as some backends send) is accepted and becomes its decimal text.
 *
 * @param userInfoJson the JSON text of {@code user_info}, or {@code "null"} when absent
 */
public record PresenceData(String userId, String userInfoJson) {

  /**
   * Parses channel data.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static PresenceData parse(String channelData) {
    JsonNode node;
    try {
      node = Json.parse(channelData);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("channel_data is not valid JSON: " + e.getMessage());
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("channel_data must be a JSON object");
    }
    JsonNode id = node.get("user_id");
    String userId;
    if (id != null && id.isTextual()) {
      userId = id.textValue();
    } else if (id != null && id.isIntegralNumber()) {
      userId = id.asText();
    } else {
      throw new IllegalArgumentException("channel_data must contain a string user_id");
    }
    if (userId.isEmpty()) {
      throw new IllegalArgumentException("channel_data user_id is empty");
    }
    JsonNode info = node.get("user_info");
    return new PresenceData(userId, info == null ? "null" : Json.write(info));
  }
}
