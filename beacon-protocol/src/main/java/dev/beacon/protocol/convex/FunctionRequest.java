package dev.beacon.protocol.convex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.protocol.json.Json;

/**
 * A call over Convex's HTTP API ({@code POST /api/query|mutation|action|function}): {@code
 * {"path": "module:function", "args": {...} | [{...}], "format": "json" | "convex_encoded_json"}}.
 *
 * @param args the decoded argument object (Convex values)
 * @param encoded whether the caller asked for {@code convex_encoded_json} (what ConvexHttpClient
 *     sends); results are encoded the same way
 */
public record FunctionRequest(String path, JsonNode args, boolean encoded) {

  /**
   * Parses a request body.
   *
   * @throws IllegalArgumentException with a message fit for the caller
   */
  public static FunctionRequest parse(String body) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the request body is not valid JSON: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object with a 'path'");
    }
    JsonNode path = root.get("path");
    if (path == null || !path.isTextual() || path.textValue().isEmpty()) {
      throw new IllegalArgumentException("the request needs a function 'path', e.g. \"presence:heartbeat\"");
    }
    String format = root.path("format").asText("json");
    boolean encoded;
    switch (format) {
      case "json":
        encoded = false;
        break;
      case "convex_encoded_json":
        encoded = true;
        break;
      default:
        throw new IllegalArgumentException("unsupported format '" + format
            + "' (supported: json, convex_encoded_json)");
    }
    JsonNode args = root.get("args");
    if (args == null || args.isNull()) {
      args = JsonNodeFactory.instance.objectNode();
    } else if (args.isArray()) {
      if (args.size() != 1) {
        throw new IllegalArgumentException("'args' as an array must hold exactly one object, got "
            + args.size() + " values");
      }
      args = args.get(0);
    }
    if (!args.isObject()) {
      throw new IllegalArgumentException("'args' must be an object");
    }
    return new FunctionRequest(path.textValue(), ConvexValues.fromJson(args), encoded);
  }
}
