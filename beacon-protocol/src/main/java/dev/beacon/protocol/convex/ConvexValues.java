package dev.beacon.protocol.convex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Convex's JSON encoding of values ({@code convexToJson} / {@code jsonToConvex} in the {@code
 * convex} npm package). In memory a Convex value is a Jackson tree where an int64 is a {@code
 * BigIntegerNode}, a float64 any other number node and bytes a {@code BinaryNode}; on the wire an
 * int64 is {@code {"$integer": base64 of 8 little-endian bytes}}, a NaN, infinite or
 * negative-zero float is {@code {"$float": ...}} and bytes are {@code {"$bytes": base64}}. An
 * int64 is accepted wherever a number is; Beacon's own results never contain one, but an app's
 * value stored and returned ({@code data} of a notification or an activity) keeps its types.
 */
public final class ConvexValues {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 64;
  private static final double SAFE_INTEGER = 9007199254740992.0; // 2^53

  private ConvexValues() {}

  /**
   * Decodes a value from Convex's JSON encoding. Plain JSON numbers become float64, as they are
   * in JavaScript.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static JsonNode fromJson(JsonNode json) {
    return fromJson(json, 0);
  }

  private static JsonNode fromJson(JsonNode json, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("value is nested more than " + MAX_DEPTH + " levels deep");
    }
    if (json == null || json.isNull()) {
      return NODES.nullNode();
    }
    if (json.isNumber()) {
      return NODES.numberNode(json.doubleValue());
    }
    if (json.isTextual() || json.isBoolean()) {
      return json;
    }
    if (json.isArray()) {
      ArrayNode out = NODES.arrayNode(json.size());
      for (JsonNode item : json) {
        out.add(fromJson(item, depth + 1));
      }
      return out;
    }
    if (json.isObject()) {
      if (json.size() == 1) {
        Map.Entry<String, JsonNode> only = json.fields().next();
        switch (only.getKey()) {
          case "$integer":
            // a BigIntegerNode marks an int64 (Beacon's own longs are plain numbers), so a value
            // stored as the app sent it comes back as an int64
            return NODES.numberNode(java.math.BigInteger.valueOf(
                decodeInt64(text(only.getValue(), "$integer"))));
          case "$float":
            return NODES.numberNode(decodeFloat64(text(only.getValue(), "$float")));
          case "$bytes":
            return NODES.binaryNode(decodeBase64(text(only.getValue(), "$bytes"), "$bytes"));
          default:
            break;
        }
      }
      ObjectNode out = NODES.objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getKey().startsWith("$")) {
          throw new IllegalArgumentException(
              "field name " + field.getKey() + " starts with a '$', which is reserved");
        }
        out.set(field.getKey(), fromJson(field.getValue(), depth + 1));
      }
      return out;
    }
    throw new IllegalArgumentException("unsupported JSON value " + json);
  }

  /** A value as text in Convex's JSON encoding, which keeps its types (for storing it). */
  public static String toJsonText(JsonNode value) {
    return dev.beacon.protocol.json.Json.write(toJson(value));
  }

  /** A value back from {@link #toJsonText} (plain JSON reads as plain JSON numbers do). */
  public static JsonNode fromJsonText(String json) {
    return fromJson(dev.beacon.protocol.json.Json.parse(json));
  }

  /** Encodes a value in Convex's JSON encoding. */
  public static JsonNode toJson(JsonNode value) {
    if (value == null || value.isNull()) {
      return NODES.nullNode();
    }
    if (value.isBigInteger()) {
      return NODES.objectNode().put("$integer", encodeInt64(value.longValue()));
    }
    if (value.isNumber()) {
      // Beacon's own results hold JavaScript numbers (counts, millisecond timestamps); an int64
      // is only ever an app's value passed through (a BigIntegerNode, above)
      double d = value.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d) || (d == 0.0 && 1 / d < 0)) {
        return NODES.objectNode().put("$float", encodeFloat64(d));
      }
      if (d == Math.rint(d) && Math.abs(d) < SAFE_INTEGER) {
        return NODES.numberNode((long) d); // written as 1700000000000, not 1.7E12
      }
      return NODES.numberNode(d);
    }
    if (value.isBinary()) {
      try {
        return NODES.objectNode().put("$bytes", Base64.getEncoder().encodeToString(value.binaryValue()));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    if (value.isArray()) {
      ArrayNode out = NODES.arrayNode(value.size());
      for (JsonNode item : value) {
        out.add(toJson(item));
      }
      return out;
    }
    if (value.isObject()) {
      ObjectNode out = NODES.objectNode();
      value.fields().forEachRemaining(e -> out.set(e.getKey(), toJson(e.getValue())));
      return out;
    }
    return value;
  }

  /** An int64 as base64 of its 8 little-endian bytes. */
  public static String encodeInt64(long value) {
    return Base64.getEncoder().encodeToString(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
  }

  public static long decodeInt64(String base64) {
    byte[] bytes = decodeBase64(base64, "$integer");
    if (bytes.length != 8) {
      throw new IllegalArgumentException("received " + bytes.length + " bytes, expected 8 for $integer");
    }
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static String encodeFloat64(double value) {
    return Base64.getEncoder().encodeToString(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array());
  }

  static double decodeFloat64(String base64) {
    byte[] bytes = decodeBase64(base64, "$float");
    if (bytes.length != 8) {
      throw new IllegalArgumentException("received " + bytes.length + " bytes, expected 8 for $float");
    }
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getDouble();
  }

  private static byte[] decodeBase64(String base64, String what) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed base64 in " + what);
    }
  }

  private static String text(JsonNode node, String what) {
    if (!node.isTextual()) {
      throw new IllegalArgumentException("malformed " + what + " field: expected a base64 string");
    }
    return node.textValue();
  }
}
