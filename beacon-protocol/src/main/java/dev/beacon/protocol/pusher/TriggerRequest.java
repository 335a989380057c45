package dev.beacon.protocol.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One event of the HTTP API ({@code POST /events}, or an entry of {@code POST /batch_events}).
 *
 * @param data the event data as the subscribers receive it; a non-string JSON value sent by a
 *     lenient client is kept as its JSON text, as {@code JSON.stringify} would give it
 * @param info the attributes requested back ({@code user_count}, {@code subscription_count})
 */
public record TriggerRequest(
    String name, String data, List<String> channels, Optional<String> socketId, Set<String> info) {

  public TriggerRequest {
    channels = List.copyOf(channels);
    info = Set.copyOf(info);
  }

  /**
   * Reads an event object.
   *
   * @param batchEntry whether this is a {@code batch_events} entry, which names one {@code channel}
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static TriggerRequest fromJson(JsonNode body, boolean batchEntry) {
    if (body == null || !body.isObject()) {
      throw new IllegalArgumentException("the event must be a JSON object");
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
      throw new IllegalArgumentException("'name' is required and must be a non-empty string");
    }
    JsonNode data = body.get("data");
    if (data == null || data.isNull()) {
      throw new IllegalArgumentException("'data' is required");
    }
    String dataText = data.isTextual() ? data.textValue() : Json.write(data);

    List<String> channels = new ArrayList<>();
    JsonNode list = body.get("channels");
    JsonNode single = body.get("channel");
    if (list != null && !list.isNull()) {
      if (batchEntry) {
        throw new IllegalArgumentException("a batch event names one 'channel', not 'channels'");
      }
      if (!list.isArray()) {
        throw new IllegalArgumentException("'channels' must be an array of channel names");
      }
      for (JsonNode c : list) {
        if (!c.isTextual()) {
          throw new IllegalArgumentException("'channels' must be an array of channel names");
        }
        channels.add(c.textValue());
      }
    }
    if (single != null && !single.isNull()) {
      if (!single.isTextual()) {
        throw new IllegalArgumentException("'channel' must be a string");
      }
      if (!channels.isEmpty()) {
        throw new IllegalArgumentException("give either 'channel' or 'channels', not both");
      }
      channels.add(single.textValue());
    }
    if (channels.isEmpty()) {
      throw new IllegalArgumentException(
          batchEntry ? "'channel' is required" : "'channels' (or 'channel') is required");
    }
    Optional<String> socketId = Optional.empty();
    JsonNode sid = body.get("socket_id");
    if (sid != null && !sid.isNull()) {
      if (!sid.isTextual()) {
        throw new IllegalArgumentException("'socket_id' must be a string");
      }
      socketId = Optional.of(sid.textValue());
    }
    return new TriggerRequest(name.textValue(), dataText, channels, socketId, info(body));
  }

  private static Set<String> info(JsonNode body) {
    JsonNode info = body.get("info");
    if (info == null || info.isNull()) {
      return Set.of();
    }
    if (!info.isTextual()) {
      throw new IllegalArgumentException("'info' must be a comma-separated string");
    }
    return parseInfo(info.textValue());
  }

  /** Splits a comma-separated {@code info} parameter. */
  public static Set<String> parseInfo(String info) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : info.split(",")) {
      String trimmed = part.trim();
      if (!trimmed.isEmpty()) {
        out.add(trimmed);
      }
    }
    return out;
  }
}
