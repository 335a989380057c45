package dev.beacon.core.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.json.RawJsonBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A live query's latest result as subscribers receive it: the Convex-encoded value as its JSON's
 * UTF-8 bytes, or the error message and code. Two results are the same when their bytes (or their
 * error message and code) are.
 *
 * <p>A result is kept by its live query until the next one differs, for every live query at once
 * (10,000 in the live benchmark), and replaced about once a second each: so it is kept as small as
 * it can be — one object and one byte array, not the tree of Jackson nodes the function returned
 * (a dozen objects or more), which every young collection would copy (docs/BENCHMARKS.md, the live
 * section). The bytes are what every session copies into its Transition, so nothing is encoded
 * again per session.
 */
public final class QueryResult {

  /** The value's JSON as UTF-8, or null for a failure. Never modified. */
  private final byte[] json;
  private final String errorMessage;
  private final String errorCode;

  /**
   * Writes UTF-8 as a string's JSON would be encoded (a character outside the BMP as its 4 bytes,
   * not as two escaped surrogates): the bytes on the wire are those of the value's JSON text.
   */
  private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = Json.mapper().writer()
      .with(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);

  private QueryResult(byte[] json, String errorMessage, String errorCode) {
    this.json = json;
    this.errorMessage = errorMessage;
    this.errorCode = errorCode;
  }

  /** The result of a function that returned {@code raw} (Convex-encoded here). */
  public static QueryResult success(JsonNode raw) {
    try {
      return new QueryResult(WRITER.writeValueAsBytes(ConvexValues.toJson(raw)), null, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static QueryResult failure(FunctionException e) {
    return new QueryResult(null, e.getMessage(), e.errorDataCode().orElse(null));
  }

  /**
   * The value as a session writes it: a raw JSON value whose bytes a byte generator copies into
   * the frame as they are.
   */
  public JsonNode wireValue() {
    if (json == null) {
      throw new IllegalStateException("a failed query has no value");
    }
    return new POJONode(new RawValue(new RawJsonBytes(json)));
  }

  /** The value parsed again from its JSON (for tests and diagnostics: sessions use the bytes). */
  public Optional<JsonNode> value() {
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.mapper().readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value's JSON text, or empty for a failure. */
  public Optional<String> jsonText() {
    return json == null ? Optional.empty()
        : Optional.of(new String(json, java.nio.charset.StandardCharsets.UTF_8));
  }

  public Optional<String> errorMessage() {
    return Optional.ofNullable(errorMessage);
  }

  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  public boolean failed() {
    return json == null;
  }

  /** Whether subscribers holding {@code other} would receive exactly this. */
  public boolean sameAs(QueryResult other) {
    if (other == this) {
      return true;
    }
    if (other == null) {
      return false;
    }
    if (json != null || other.json != null) {
      return Arrays.equals(json, other.json);
    }
    return Objects.equals(errorMessage, other.errorMessage)
        && Objects.equals(errorCode, other.errorCode);
  }

  @Override
  public String toString() {
    return json != null ? jsonText().get()
        : "failed: " + errorMessage + (errorCode == null ? "" : " (" + errorCode + ")");
  }
}
