package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import java.util.Optional;

/**
 * A live query's latest result as subscribers receive it: the Convex-encoded value, or the error
 * message and code. Two results are the same when their JSON is: a value's fingerprint is its JSON
 * (which never starts with NUL), an error's a NUL and its message and code.
 */
public record QueryResult(Optional<JsonNode> value, Optional<String> errorMessage,
    Optional<String> errorCode, String fingerprint,
    com.fasterxml.jackson.core.io.SerializedString json) {

  public static QueryResult success(JsonNode raw) {
    JsonNode encoded = ConvexValues.toJson(raw);
    String json = Json.write(encoded);
    return new QueryResult(Optional.of(encoded), Optional.empty(), Optional.empty(), json,
        new com.fasterxml.jackson.core.io.SerializedString(json));
  }

  public static QueryResult failure(FunctionException e) {
    return new QueryResult(Optional.empty(), Optional.of(e.getMessage()), e.errorDataCode(),
        "\u0000" + e.getMessage() + "\u0000" + e.errorDataCode().orElse(""), null);
  }

  /**
   * The value as a session writes it: its JSON, written once for the fingerprint, and its UTF-8
   * bytes (made once, kept by {@link #json}) copied into each session's Transition as they are
   * rather than encoded again per session.
   */
  public JsonNode wireValue() {
    return new com.fasterxml.jackson.databind.node.POJONode(
        new com.fasterxml.jackson.databind.util.RawValue(json));
  }

  public boolean failed() {
    return value.isEmpty();
  }

  public boolean sameAs(QueryResult other) {
    return other != null && fingerprint.equals(other.fingerprint);
  }
}
