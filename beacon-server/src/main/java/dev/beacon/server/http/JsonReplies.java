package dev.beacon.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.json.Json;
import io.vertx.ext.web.RoutingContext;

/** The one place HTTP answers are written: JSON bodies, and errors as {@code {"error": ...}}. */
public final class JsonReplies {

  private JsonReplies() {}

  public static void ok(RoutingContext ctx, JsonNode body) {
    reply(ctx, 200, Json.write(body));
  }

  public static void reply(RoutingContext ctx, int status, String json) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader("content-type", "application/json; charset=utf-8")
        .end(json);
  }

  public static void error(RoutingContext ctx, int status, String message) {
    reply(ctx, status, "{\"error\":" + Json.quote(message) + "}");
  }

  /**
   * A route handler after a body handler: a body that is not valid UTF-8 is refused with 400
   * rather than decoded with replacement characters.
   */
  public static void requireUtf8(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body != null && body.length() > 0) {
      try {
        java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .decode(java.nio.ByteBuffer.wrap(body.getBytes()));
      } catch (java.nio.charset.CharacterCodingException e) {
        error(ctx, 400, "the request body is not valid UTF-8");
        return;
      }
    }
    ctx.next();
  }

  /** What a status means, for errors raised by the web layer itself. */
  public static String reason(int status) {
    switch (status) {
      case 400: return "Bad request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not found";
      case 405: return "Method not allowed";
      case 413: return "Request body too large";
      case 415: return "Unsupported media type";
      default: return status >= 500 ? "Internal server error" : "HTTP " + status;
    }
  }
}
