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
 *   <li>{@code POST /dev/demo/reply {conversationId}}: a simulated assistant streams a reply into
 *       a conversation the caller belongs to, token by token ({@code messages:startStream}, an
 *       {@code appendStream} every {@link #TOKEN_MILLIS} ms, {@code finishStream}), as an AI chat
 *       app's backend would stream a model's output. One reply at a time per conversation, at most
 *       {@link #MAX_REPLIES} at once.
 * </ul>
 *
 * <p>{@code join} also puts the caller in the room's stored conversation (the conversation whose
 * id is the room's, created by the first visitor), so the page's chat is stored messages.
 */
public final class DemoBackendRoutes {

  static final int MAX_ROOM_FRIENDS = 100;
  static final long TOKEN_MILLIS = 40;
  static final int MAX_REPLIES = 20;

  /** What the simulated assistant says, a word at a time. */
  static final String REPLY = "Here is a reply streamed by the server, token by token, the way an AI "
      + "chat app streams a model's answer. Each token is a messages:appendStream call from the "
      + "backend: everyone watching gets it at once as a message-chunk event on the conversation's "
      + "Pusher channel, and live queries such as messages:list see the text grow, at most one "
      + "update every 50 milliseconds per message, so a fast stream costs a watcher twenty updates a "
      + "second whatever its pace. The text so far is stored as it grows: reload the page while "
      + "this is being written and the reply is still here, picking up where it was. When the "
      + "last token is in, finishStream marks the message done.";

  /** Conversations with a reply streaming now ("app\0id"); bounded by {@link #MAX_REPLIES}. */
  private final java.util.Set<String> replying = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
    router.post("/dev/demo/reply").handler(body).handler(JsonReplies::requireUtf8).handler(this::reply);
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
    }).compose(others -> joinConversation(ctx, backend, request.get().value(), me).map(others))
        .onComplete(ar -> {
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

  /** Makes the user a member of the room's conversation, creating it for the first visitor. */
  private Future<JsonNode> joinConversation(RoutingContext ctx, Caller backend, String room, String me) {
    ObjectNode create = NODES.objectNode().put("conversationId", room).put("title", "#" + room);
    create.putArray("memberIds").add(me);
    return call(ctx, backend, "conversations:create", create).recover(e -> {
      if (!(e instanceof FunctionException f) || !"CONFLICT".equals(f.code())) {
        return Future.failedFuture(e);
      }
      ObjectNode add = NODES.objectNode().put("conversationId", room);
      add.putArray("memberIds").add(me);
      return call(ctx, backend, "conversations:addMembers", add);
    });
  }

  private void reply(RoutingContext ctx) {
    Optional<Request> request = request(ctx, "conversationId");
    if (request.isEmpty()) {
      return;
    }
    Caller user = request.get().user();
    String conversation = request.get().value();
    Caller backend = Caller.backend(user.app());
    String key = user.app().id() + '\u0000' + conversation;
    if (replying.size() >= MAX_REPLIES) {
      JsonReplies.error(ctx, 429, "at most " + MAX_REPLIES + " replies stream at once; try again soon");
      return;
    }
    if (!replying.add(key)) {
      JsonReplies.error(ctx, 409, "a reply is already streaming in '" + conversation + "'");
      return;
    }
    // the caller must belong to the conversation: read it as the caller
    call(ctx, user, "conversations:get", NODES.objectNode().put("conversationId", conversation))
        .compose(c -> call(ctx, backend, "messages:startStream",
            NODES.objectNode().put("conversationId", conversation).put("role", "assistant")))
        .onComplete(ar -> {
          if (ar.failed()) {
            replying.remove(key);
            fail(ctx, ar.cause());
            return;
          }
          String messageId = ar.result().path("_id").asText();
          List<String> tokens = tokens(REPLY);
          streamTokens(ctx.vertx(), backend, messageId, tokens, 0, key);
          JsonReplies.ok(ctx, NODES.objectNode().put("messageId", messageId));
        });
  }

  /** The text in tokens of a word and the space after it. */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+\\s*").matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** Appends token {@code i} after {@link #TOKEN_MILLIS}, then the next; finishes after the last. */
  private void streamTokens(io.vertx.core.Vertx vertx, Caller backend, String messageId,
      List<String> tokens, int i, String key) {
    vertx.setTimer(TOKEN_MILLIS, t -> {
      io.vertx.core.Context context = vertx.getOrCreateContext();
      if (i == tokens.size()) {
        run(context, backend, "messages:finishStream", NODES.objectNode().put("messageId", messageId)
            .put("status", "done")).onComplete(done -> replying.remove(key));
        return;
      }
      run(context, backend, "messages:appendStream", NODES.objectNode().put("messageId", messageId)
          .put("text", tokens.get(i))).onComplete(ar -> {
            if (ar.succeeded()) {
              streamTokens(vertx, backend, messageId, tokens, i + 1, key);
            } else {
              // deleted or ended meanwhile: end it as an error if it still streams
              run(context, backend, "messages:finishStream", NODES.objectNode()
                  .put("messageId", messageId).put("status", "error"))
                  .onComplete(done -> replying.remove(key));
            }
          });
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
    return run(ctx.vertx().getOrCreateContext(), caller, path, args);
  }

  private Future<JsonNode> run(io.vertx.core.Context context, Caller caller, String path, ObjectNode args) {
    FunctionDefinition def;
    try {
      def = runner.functions().resolve(path, Optional.empty(), args);
    } catch (FunctionException e) {
      return Future.failedFuture(e);
    }
    return runner.run(context, def, caller, args).map(Functions.Result::value);
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (cause instanceof FunctionException e) {
      JsonReplies.error(ctx, "UNAUTHENTICATED".equals(e.code()) ? 401
          : "FORBIDDEN".equals(e.code()) ? 403 : 400, e.getMessage());
    } else {
      JsonReplies.error(ctx, 500, "Internal server error");
    }
  }
}
