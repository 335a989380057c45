package dev.beacon.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.builtins.ChannelRules;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.server.auth.Credentials;
import dev.beacon.server.auth.TokenVerifier;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /pusher/auth} and {@code POST /pusher/user-auth} for pusher-js apps with no
 * authorization route of their own: the user's JWT ({@code Authorization: Bearer}, the token its
 * Convex client uses) says who it is, and Beacon signs exactly what its rules allow that user
 * ({@link ChannelRules}); anything else is 403. Presence data and the signed-in user's {@code
 * user_info} come from the token ({@code sub}, {@code name}, {@code picture}), never from the
 * request. Mounted in production; in development the development endpoints hand requests that
 * carry a bearer token to it.
 */
public final class TokenChannelAuth {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String CONVERSATION_PREFIX = "private-conversation-";

  private final Credentials credentials;
  private final ChannelRules rules;
  private final Optional<PusherChannels> grants;

  private volatile dev.beacon.core.console.DebugConsole console = dev.beacon.core.console.DebugConsole.NONE;

  public TokenChannelAuth(Credentials credentials, ChannelRules rules) {
    this(credentials, rules, Optional.empty());
  }

  /**
   * @param grants told which user each {@code private-conversation-} subscription is signed for,
   *     so that removing the user from the conversation ends that subscription
   */
  public TokenChannelAuth(Credentials credentials, ChannelRules rules,
      Optional<PusherChannels> grants) {
    this.credentials = credentials;
    this.rules = rules;
    this.grants = grants;
  }

  /** Hears each refusal (as an error with its HTTP status). */
  public TokenChannelAuth console(dev.beacon.core.console.DebugConsole console) {
    this.console = console;
    return this;
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
    router.post("/pusher/auth").handler(body).handler(this::channelAuth);
    router.post("/pusher/user-auth").handler(body).handler(this::userAuth);
  }

  /** Whether a request carries a bearer token (and so is this class's to answer). */
  static boolean hasBearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
  }

  /** A refusal with its HTTP status. */
  private static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  void channelAuth(RoutingContext ctx) {
    Map<String, String> params = DevAuthRoutes.params(ctx);
    answer(ctx, () -> {
      TokenVerifier.Verified user = user(ctx, params);
      String socketId = socketId(params);
      ChannelName name;
      try {
        name = ChannelName.parse(params.getOrDefault("channel_name", ""));
      } catch (IllegalArgumentException e) {
        throw new Refused(400, "channel_name: " + e.getMessage());
      }
      if (!name.type().requiresSignature()) {
        throw new Refused(400, "'" + name.value() + "' needs no authorization");
      }
      Optional<String> refusal = rules.refusal(user.app(), user.userId(), name.value());
      if (refusal.isPresent()) {
        throw new Refused(403, refusal.get());
      }
      if (name.value().startsWith(CONVERSATION_PREFIX)) {
        grants.ifPresent(g -> g.grant(user.app(), socketId, name.value(), user.userId()));
      }
      ObjectNode out = NODES.objectNode();
      Optional<String> channelData = Optional.empty();
      if (name.isPresence()) {
        ObjectNode data = NODES.objectNode().put("user_id", user.userId());
        data.set("user_info", info(user));
        channelData = Optional.of(Json.write(data));
        out.put("channel_data", channelData.get());
      }
      out.put("auth", PusherSignatures.channelAuth(user.app().key(), user.app().secret(), socketId,
          name.value(), channelData));
      return out;
    });
  }

  void userAuth(RoutingContext ctx) {
    Map<String, String> params = DevAuthRoutes.params(ctx);
    answer(ctx, () -> {
      TokenVerifier.Verified user = user(ctx, params);
      String socketId = socketId(params);
      ObjectNode data = NODES.objectNode().put("id", user.userId());
      data.set("user_info", info(user));
      String userData = Json.write(data);
      ObjectNode out = NODES.objectNode();
      out.put("auth", PusherSignatures.userAuth(user.app().key(), user.app().secret(), socketId,
          userData));
      out.put("user_data", userData);
      return out;
    });
  }

  /** Decides off the event loop (the rules read the store) and answers. */
  private void answer(RoutingContext ctx, java.util.concurrent.Callable<ObjectNode> decide) {
    ctx.vertx().executeBlocking(decide, false).onComplete(r -> {
      if (r.succeeded()) {
        JsonReplies.ok(ctx, r.result());
      } else if (r.cause() instanceof Refused refused) {
        console.error("", java.util.Optional.empty(), refused.status,
            ctx.request().path() + " refused: " + refused.getMessage());
        JsonReplies.error(ctx, refused.status, refused.getMessage());
      } else {
        JsonReplies.error(ctx, 500, "channel authorization failed; see the server log");
      }
    });
  }

  private TokenVerifier.Verified user(RoutingContext ctx, Map<String, String> params) {
    if (!hasBearer(ctx)) {
      throw new Refused(401, "send the user's JWT as 'Authorization: Bearer <token>'");
    }
    TokenVerifier.Verified user;
    try {
      user = credentials.verifiedUser(ctx.request().getHeader("authorization").substring(7).trim());
    } catch (FunctionException e) {
      throw new Refused(401, e.getMessage());
    }
    String key = params.get("app_key");
    if (key != null && !key.equals(user.app().key())) {
      throw new Refused(403, "the token is for app '" + user.app().id() + "', not the app with key '"
          + key + "'");
    }
    return user;
  }

  private static String socketId(Map<String, String> params) {
    String socketId = params.get("socket_id");
    if (socketId == null || !DevAuthRoutes.SOCKET_ID.matcher(socketId).matches()) {
      throw new Refused(400, "socket_id is missing or not of the form 123.456");
    }
    return socketId;
  }

  private static ObjectNode info(TokenVerifier.Verified user) {
    Caller.Profile profile = user.profile();
    ObjectNode info = NODES.objectNode().put("name", profile.name().orElse(user.userId()));
    profile.picture().ifPresent(p -> info.put("picture", p));
    return info;
  }
}
