package dev.beacon.core.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentShape;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.rooms.RoomFunctions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The names a chat app of the Convex ecosystem calls for what Beacon already does: {@code
 * notifications:markAsRead {ids}}, {@code notifications:getUnread} (with {@code message} and
 * {@code type}, as toasts read them), {@code presence:update} as a heartbeat (in a thread),
 * {@code presence:updateTyping} and {@code presence:getTypingUsers} as typing, and the argument
 * names {@code clerkId} (the caller itself) and {@code friendClerkIds} (as {@code friendIds}) on
 * every {@code presence:} function. Each hands the call on to Beacon's own function.
 */
public final class ChatConventions implements FunctionModule {

  static final String THREAD_SESSION = "thread";
  static final int MAX_IDS = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ArgumentShape CLERK = ArgumentShape.has("clerkId")
      .or(ArgumentShape.has("friendClerkIds"));
  /** Functions whose right to act is a token, not the caller: no caller to name. */
  private static final Set<String> TOKEN_FUNCTIONS = Set.of("presence:list", "presence:disconnect");

  private final Functions functions;
  private final RoomFunctions rooms;

  public ChatConventions(Functions functions, RoomFunctions rooms) {
    this.functions = functions;
    this.rooms = rooms;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Validator self = Validator.optional(Validator.userId());
    List<FunctionDefinition> own = List.of(
        FunctionDefinition.mutation("notifications:markAsRead", Access.USER, Map.of(
            "ids", Validator.array(Validator.string(64), MAX_IDS), "userId", self), true,
            this::markAsRead).when(ArgumentShape.has("ids")),
        FunctionDefinition.query("notifications:getUnread", Access.USER, Map.of(
            "limit", Validator.optional(Validator.number()), "userId", self), true, this::unread),
        FunctionDefinition.mutation("presence:update", Access.USER, Map.of(
            "threadId", Validator.optional(Validator.id()),
            "lastSeen", Validator.optional(Validator.number()),
            "status", Validator.optional(Validator.literal("online", "away", "idle", "offline")),
            "userId", self), FunctionDefinition.CLOSED_ROOMS, this::update),
        FunctionDefinition.mutation("presence:updateTyping", Access.USER, Map.of(
            "threadId", Validator.id(), "isTyping", Validator.bool(), "userId", self),
            FunctionDefinition.CLOSED_ROOMS, call -> functions.delegate(call,
                call.args().bool("isTyping", false) ? "typing:startTyping" : "typing:stopTyping",
                thread(call, "chatroomId"))),
        FunctionDefinition.query("presence:getTypingUsers", Access.USER, Map.of(
            "threadId", Validator.id(), "userId", self), FunctionDefinition.CLOSED_ROOMS,
            call -> functions.delegate(call, "typing:getTypingInChatroom", thread(call, "chatroomId"))));
    // clerkId / friendClerkIds on every presence function, this module's included
    Set<String> paths = new LinkedHashSet<>();
    functions.all().stream().map(FunctionDefinition::path).filter(p -> p.startsWith("presence:"))
        .forEach(paths::add);
    own.stream().map(FunctionDefinition::path).filter(p -> p.startsWith("presence:")).forEach(paths::add);
    paths.removeAll(TOKEN_FUNCTIONS);
    List<FunctionDefinition> out = new ArrayList<>(own);
    for (String path : paths) {
      FunctionDefinition base = own.stream().filter(d -> d.path().equals(path)).findFirst()
          .orElseGet(() -> functions.resolve(path, Optional.empty()));
      out.add(new FunctionDefinition(path, base.kind(), Access.PUBLIC, Validator.openObject(Map.of(
          "clerkId", Validator.optional(Validator.userId()),
          "friendClerkIds", Validator.optional(Validator.array(Validator.userId(), 1000)))),
          app -> true, call -> clerkNames(call, path)).when(CLERK));
    }
    return out;
  }

  /**
   * {@code clerkId} is the caller's own id (the backend's: the user it acts for) and {@code
   * friendClerkIds} the {@code friendIds}: the call is handed on in Beacon's names.
   */
  private JsonNode clerkNames(Call call, String path) {
    ObjectNode args = ((ObjectNode) call.args().raw()).deepCopy();
    JsonNode clerk = args.remove("clerkId");
    JsonNode friends = args.remove("friendClerkIds");
    if (friends != null && !friends.isNull()) {
      if (args.has("friendIds")) {
        throw new dev.beacon.core.functions.ArgumentValidationException(
            "pass `friendClerkIds` or `friendIds`, not both");
      }
      args.set("friendIds", friends);
    }
    if (clerk != null && !clerk.isNull()) {
      String named = clerk.asText();
      if (call.caller().trusted()) {
        boolean takesUser = functions.resolve(path, Optional.empty(), args).args().names().contains("userId");
        if (takesUser && !args.has("userId")) {
          args.put("userId", named);
        }
      } else {
        String me = call.caller().userId().orElseThrow(() -> FunctionException.unauthenticated(
            path + " with `clerkId` needs a signed-in user (Authorization: Bearer <JWT>)"));
        if (!me.equals(named)) {
          throw FunctionException.forbidden("`clerkId` '" + named + "' is not the signed-in user '"
              + me + "'");
        }
      }
    }
    return functions.delegate(call, path, args);
  }

  /** Marks each of the caller's notifications among {@code ids}; others' and unknown ones are skipped. */
  private JsonNode markAsRead(Call call) {
    for (String id : new LinkedHashSet<>(call.args().strings("ids"))) {
      ObjectNode args = withUser(call).put("notificationId", id);
      try {
        functions.delegate(call, "notifications:markAsRead", args);
      } catch (FunctionException e) {
        if (!"NOT_FOUND".equals(e.code())) {
          throw e;
        }
      }
    }
    return NODES.nullNode();
  }

  /** The caller's unread notifications, newest first, each with {@code message} and {@code type}. */
  private JsonNode unread(Call call) {
    ObjectNode args = withUser(call).put("unreadOnly", true);
    call.args().optNumber("limit").ifPresent(l -> args.put("limit", l));
    JsonNode page = functions.delegate(call, "notifications:subscribeToNotifications", args);
    ArrayNode out = NODES.arrayNode();
    for (JsonNode n : page.get("page")) {
      ObjectNode item = ((ObjectNode) n).deepCopy();
      String body = n.path("body").asText("");
      item.put("message", body.isEmpty() ? n.path("title").asText("") : body);
      out.add(item);
    }
    return out;
  }

  /**
   * A chat app's heartbeat: the caller is online (with {@code status}, {@code idle} read as
   * {@code away}) and, with {@code threadId}, present in that thread's room. The server's clock
   * is the last-seen time, whatever {@code lastSeen} says.
   */
  private JsonNode update(Call call) {
    Optional<String> status = call.args().optString("status").map(s -> "idle".equals(s) ? "away" : s);
    if (status.isPresent() && "offline".equals(status.get())) {
      return functions.delegate(call, "presence:setOffline", withUser(call));
    }
    JsonNode presence = functions.delegate(call, "presence:heartbeat", withUser(call));
    if (status.isPresent()) {
      presence = functions.delegate(call, "presence:updatePresence",
          withUser(call).put("status", status.get()));
    }
    Optional<String> thread = call.args().optString("threadId");
    if (thread.isPresent()) {
      rooms.enter(call, thread.get(), THREAD_SESSION, Optional.empty(),
          call.app().functions().presenceTtlSeconds() * 1000L);
    }
    return presence;
  }

  private static ObjectNode thread(Call call, String as) {
    return withUser(call).put(as, call.args().string("threadId"));
  }

  /** Arguments carrying the {@code userId} the call was given, if any. */
  private static ObjectNode withUser(Call call) {
    ObjectNode args = NODES.objectNode();
    call.args().optString("userId").ifPresent(u -> args.put("userId", u));
    return args;
  }
}
