package dev.beacon.protocol.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code user_data} of a {@code pusher:signin}: a JSON object with at least a string {@code
 * id}, and optionally a {@code watchlist} of user ids.
 */
public record UserData(String id, List<String> watchlist, String raw) {

  /** Pusher's limit on the length of a watchlist. */
  public static final int MAX_WATCHLIST = 100;

  public UserData {
    watchlist = List.copyOf(watchlist);
  }

  /**
   * Parses user data.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static UserData parse(String userData) {
    JsonNode node;
    try {
      node = Json.parse(userData);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("user_data is not valid JSON: " + e.getMessage());
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("user_data must be a JSON object");
    }
    JsonNode id = node.get("id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      throw new IllegalArgumentException("user_data must contain a non-empty string id");
    }
    List<String> watchlist = new ArrayList<>();
    JsonNode list = node.get("watchlist");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new IllegalArgumentException("user_data watchlist must be an array of user ids");
      }
      if (list.size() > MAX_WATCHLIST) {
        throw new IllegalArgumentException(
            "user_data watchlist has " + list.size() + " ids, the limit is " + MAX_WATCHLIST);
      }
      for (JsonNode entry : list) {
        if (!entry.isTextual() || entry.textValue().isEmpty()) {
          throw new IllegalArgumentException("user_data watchlist entries must be user id strings");
        }
        watchlist.add(entry.textValue());
      }
    }
    return new UserData(id.textValue(), watchlist, userData);
  }
}
