package dev.beacon.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.Functions;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.auth.Credentials;
import dev.beacon.server.functions.FunctionRunner;
import dev.beacon.server.http.JsonReplies;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo page's backend, standing in for the server an app would have: it does the two things
 * only an app's backend may do, calling the built-in functions with the app's admin rights.
 * Development mode only. Both take the caller's development token as {@code Authorization:
 * Bearer}, so the page cannot act for someone else.
 *
 * <ul>
 *   <li>{@code POST /dev/demo/join {roomId}}: makes the caller and everyone who is or was in the
 *       room (up to 100) friends of each other, so each sees the others' presence and activity;
 *   <li>{@code POST /dev/demo/nudge {userId}}: pushes a "waved at you" notification from the
 *       caller to {@code userId}.
 * </ul>
 */
public final class DemoBackendRoutes {

  static final int MAX_ROOM_FRIENDS = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Credentials credentials;
  private final FunctionRunner runner;

  public DemoBackendRoutes(Credentials credentials, FunctionRunner runner) {
    this.credentials = credentials;
    this.runner = runner;
  }

  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16 * 1024);
    router.post("/dev/demo/join").handler(body).handler(JsonReplies::requireUtf8).handler(this::join);
    router.post("/dev/demo/nudge").handler(body).handler(JsonReplies::requireUtf8).handler(this::nudge);
  }

  private void join(RoutingContext ctx) {
    Optional<Request> request = request(ctx, "roomId");
    if (request.isEmpty()) {
      return;
    }
    Caller user = request.get().user();
    String me = user.userId().orElseThrow();
    Caller backend = Caller.backend(user.app());
    ObjectNode listArgs = NODES.objectNode().put("roomId", request.get().value())
        .put("limit", MAX_ROOM_FRIENDS);
    call(ctx, backend, "rooms:list", listArgs).compose(members -> {
      List<String> others = new ArrayList<>();
      for (JsonNode m : members) {
        String id = m.path("userId").asText();
        if (!id.equals(me)) {
          others.add(id);
        }
      }
      List<Future<JsonNode>> adds = new ArrayList<>();
      for (String other : others) {
        adds.add(call(ctx, backend, "friends:add", NODES.objectNode().put("userId", me).put("friendId", other)));
        adds.add(call(ctx, backend, "friends:add", NODES.objectNode().put("userId", other).put("friendId", me)));
      }
      return Future.all(adds).map(done -> others);
    }).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      ObjectNode out = NODES.objectNode();
      ArrayNode friends = out.putArray("friends");
      ar.result().forEach(friends::add);
      JsonReplies.ok(ctx, out);
    });
  }

  private void nudge(RoutingContext ctx) {
    Optional<Request> request = request(ctx, "userId");
    if (request.isEmpty()) {
      return;
    }
    Caller user = request.get().user();
    String me = user.userId().orElseThrow();
    ObjectNode args = NODES.objectNode().put("userId", request.get().value()).put("type", "nudge")
        .put("title", me + " waved at you");
    args.putObject("data").put("from", me);
    call(ctx, Caller.backend(user.app()), "notifications:pushNotification", args).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        ObjectNode out = NODES.objectNode();
        out.set("id", ar.result());
        JsonReplies.ok(ctx, out);
      }
    });
  }

  /** The caller (an end user) and one string field of the JSON body. */
  private record Request(Caller user, String value) {}

  /** Reads the request, or answers 400/401 and returns empty. */
  private Optional<Request> request(RoutingContext ctx, String field) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      JsonReplies.error(ctx, 401, "send the user's development token as Authorization: Bearer <token>");
      return Optional.empty();
    }
    Caller user;
    try {
      user = credentials.userCaller(header.substring(7).trim());
    } catch (FunctionException e) {
      JsonReplies.error(ctx, 401, e.getMessage());
      return Optional.empty();
    }
    JsonNode body;
    try {
      body = ctx.body() == null || ctx.body().length() == 0 ? NODES.objectNode() : Json.parse(ctx.body().asString());
    } catch (IllegalArgumentException e) {
      JsonReplies.error(ctx, 400, "the body must be JSON: " + e.getMessage());
      return Optional.empty();
    }
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual()) {
      JsonReplies.error(ctx, 400, "the body needs a string '" + field + "'");
      return Optional.empty();
    }
    return Optional.of(new Request(user, value.textValue()));
  }

  private Future<JsonNode> call(RoutingContext ctx, Caller caller, String path, ObjectNode args) {
    FunctionDefinition def;
    try {
      def = runner.functions().resolve(path, Optional.empty(), args);
    } catch (FunctionException e) {
      return Future.failedFuture(e);
    }
    return runner.run(ctx.vertx().getOrCreateContext(), def, caller, args).map(Functions.Result::value);
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (cause instanceof FunctionException e) {
      JsonReplies.error(ctx, "UNAUTHENTICATED".equals(e.code()) ? 401 : 400, e.getMessage());
    } else {
      JsonReplies.error(ctx, 500, "Internal server error");
    }
  }
}
