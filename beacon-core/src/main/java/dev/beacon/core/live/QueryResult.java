package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import java.util.Optional;

/**
 * A live query's latest result as subscribers receive it: the Convex-encoded value, or the error
 * message and code. Two results are the same when their JSON is.
 */
public record QueryResult(Optional<JsonNode> value, Optional<String> errorMessage,
    Optional<String> errorCode, String fingerprint) {

  public static QueryResult success(JsonNode raw) {
    JsonNode encoded = ConvexValues.toJson(raw);
    return new QueryResult(Optional.of(encoded), Optional.empty(), Optional.empty(),
        "v" + Json.write(encoded));
  }

  public static QueryResult failure(FunctionException e) {
    return new QueryResult(Optional.empty(), Optional.of(e.getMessage()), e.errorDataCode(),
        "e" + e.getMessage() + "\u0000" + e.errorDataCode().orElse(""));
  }

  public boolean failed() {
    return value.isEmpty();
  }

  public boolean sameAs(QueryResult other) {
    return other != null && fingerprint.equals(other.fingerprint);
  }
}
