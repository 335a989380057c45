package dev.beacon.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.ChannelType;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Development helpers that stand in for an app's backend: {@code POST /pusher/auth} signs any
 * channel subscription and {@code POST /pusher/user-auth} signs in any user, so that a page with
 * pusher-js works with no backend at all. Mounted only in development mode.
 *
 * <p>Parameters come as pusher-js sends them (form-encoded {@code socket_id}, {@code
 * channel_name}) plus what the page adds through {@code channelAuthorization.params}: {@code
 * user_id}, {@code user_info} (JSON), {@code watchlist} (comma-separated), {@code app_key}. A
 * request with a user's JWT ({@code Authorization: Bearer}) is answered by Beacon's rules instead,
 * as in production ({@link TokenChannelAuth}).
 */
public final class DevAuthRoutes {

  static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Apps apps;
  private final Optional<TokenChannelAuth> tokens;

  public DevAuthRoutes(Apps apps) {
    this(apps, Optional.empty());
  }

  /** @param tokens answers the requests that carry a user's JWT, by Beacon's rules */
  public DevAuthRoutes(Apps apps, Optional<TokenChannelAuth> tokens) {
    this.apps = apps;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    CorsHandler cors = CorsHandler.create()
        .addOriginWithRegex(".*")
        .allowCredentials(true)
        .allowedMethod(HttpMethod.POST)
        .allowedHeader("content-type")
        .allowedHeader("authorization");
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    router.route("/pusher/*").handler(cors);
    router.post("/pusher/auth").handler(body).handler(JsonReplies::requireUtf8).handler(this::channelAuth);
    router.post("/pusher/user-auth").handler(body).handler(JsonReplies::requireUtf8).handler(this::userAuth);
  }

  private void channelAuth(RoutingContext ctx) {
    if (tokens.isPresent() && TokenChannelAuth.hasBearer(ctx)) {
      tokens.get().channelAuth(ctx);
      return;
    }
    Map<String, String> params = params(ctx);
    Optional<App> app = app(ctx, params);
    String socketId = app.isPresent() ? socketId(ctx, params) : null;
    if (socketId == null) {
      return;
    }
    ChannelName name;
    try {
      name = ChannelName.parse(params.getOrDefault("channel_name", ""));
    } catch (IllegalArgumentException e) {
      JsonReplies.error(ctx, 400, "channel_name: " + e.getMessage());
      return;
    }
    if (!name.type().requiresSignature()) {
      JsonReplies.error(ctx, 400, "'" + name.value() + "' needs no authorization");
      return;
    }
    ObjectNode out = NODES.objectNode();
    Optional<String> channelData = Optional.empty();
    if (name.isPresence()) {
      String userId = userId(params, socketId);
      ObjectNode data = NODES.objectNode();
      data.put("user_id", userId);
      JsonNode info = userInfo(ctx, params, userId);
      if (info == null) {
        return;
      }
      data.set("user_info", info);
      channelData = Optional.of(Json.write(data));
      out.put("channel_data", channelData.get());
    }
    App a = app.get();
    out.put("auth", PusherSignatures.channelAuth(a.key(), a.secret(), socketId, name.value(), channelData));
    if (name.type() == ChannelType.PRIVATE_ENCRYPTED) {
      if (a.encryptionMasterKey().isEmpty()) {
        JsonReplies.error(ctx, 400, "app '" + a.id()
            + "' has no encryption_master_key_base64, so encrypted channels cannot be authorized");
        return;
      }
      out.put("shared_secret",
          PusherSignatures.encryptedChannelSharedSecret(name.value(), a.encryptionMasterKey().get()));
    }
    JsonReplies.ok(ctx, out);
  }

  private void userAuth(RoutingContext ctx) {
    if (tokens.isPresent() && TokenChannelAuth.hasBearer(ctx)) {
      tokens.get().userAuth(ctx);
      return;
    }
    Map<String, String> params = params(ctx);
    Optional<App> app = app(ctx, params);
    String socketId = app.isPresent() ? socketId(ctx, params) : null;
    if (socketId == null) {
      return;
    }
    String userId = userId(params, socketId);
    ObjectNode user = NODES.objectNode();
    user.put("id", userId);
    if (params.containsKey("user_info")) {
      JsonNode info = userInfo(ctx, params, userId);
      if (info == null) {
        return;
      }
      user.set("user_info", info);
    }
    String watchlist = params.get("watchlist");
    if (watchlist != null && !watchlist.isBlank()) {
      ArrayNode list = user.putArray("watchlist");
      for (String id : watchlist.split(",")) {
        if (!id.isBlank()) {
          list.add(id.trim());
        }
      }
    }
    String userData = Json.write(user);
    ObjectNode out = NODES.objectNode();
    out.put("auth", PusherSignatures.userAuth(app.get().key(), app.get().secret(), socketId, userData));
    out.put("user_data", userData);
    JsonReplies.ok(ctx, out);
  }

  /** The socket id parameter, or null after answering 400. */
  private static String socketId(RoutingContext ctx, Map<String, String> params) {
    String socketId = params.get("socket_id");
    if (socketId == null || !SOCKET_ID.matcher(socketId).matches()) {
      JsonReplies.error(ctx, 400, "socket_id is missing or not of the form 123.456");
      return null;
    }
    return socketId;
  }

  private static String userId(Map<String, String> params, String socketId) {
    String userId = params.get("user_id");
    return userId == null || userId.isBlank() ? "anon-" + socketId : userId.trim();
  }

  private static JsonNode userInfo(RoutingContext ctx, Map<String, String> params, String userId) {
    String raw = params.get("user_info");
    if (raw == null || raw.isBlank()) {
      return NODES.objectNode().put("name", userId);
    }
    try {
      return Json.parse(raw);
    } catch (IllegalArgumentException e) {
      JsonReplies.error(ctx, 400, "user_info is not valid JSON: " + e.getMessage());
      return null;
    }
  }

  private Optional<App> app(RoutingContext ctx, Map<String, String> params) {
    String key = params.get("app_key");
    if (key == null) {
      return Optional.of(apps.first());
    }
    Optional<App> app = apps.byKey(key);
    if (app.isEmpty()) {
      JsonReplies.error(ctx, 404, "no app with key '" + key + "'");
    }
    return app;
  }

  /** Form fields, JSON body fields, and query parameters, in that order of precedence. */
  static Map<String, String> params(RoutingContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    String type = ctx.request().getHeader("content-type");
    if (type != null && type.startsWith("application/json") && ctx.body() != null
        && ctx.body().length() > 0) {
      try {
        JsonNode json = Json.parse(ctx.body().asString());
        json.fields().forEachRemaining(e -> out.put(e.getKey(),
            e.getValue().isTextual() ? e.getValue().textValue() : Json.write(e.getValue())));
      } catch (IllegalArgumentException e) {
        // fall back to the other sources
      }
    }
    putAll(out, ctx.request().formAttributes());
    putAll(out, ctx.queryParams());
    return out;
  }

  private static void putAll(Map<String, String> out, MultiMap params) {
    for (Map.Entry<String, String> e : params) {
      out.putIfAbsent(e.getKey(), e.getValue());
    }
  }
}
