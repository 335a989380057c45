package dev.beacon.core.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentValidationException;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.RateLimiter;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.social.FriendGraph;
import dev.beacon.core.social.Visibility;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code presence:*}: user-level status across the whole app. The mutations only touch memory
 * and run on the event loop; the queries may read the store (last-seen, friends, visibility).
 */
public final class PresenceFunctions implements FunctionModule {

  static final int MAX_BATCH = 500;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final UserPresence presence;
  private final FriendGraph friends;
  private final Visibility visibility;
  private final RateLimiter limiter;

  public PresenceFunctions(UserPresence presence, FriendGraph friends, Visibility visibility,
      RateLimiter limiter) {
    this.presence = presence;
    this.friends = friends;
    this.visibility = visibility;
    this.limiter = limiter;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("presence:heartbeat", Access.USER, Map.of(
            "sessionId", Validator.optional(Validator.string(128)),
            "userId", Validator.optional(Validator.userId())), false, this::heartbeat),
        FunctionDefinition.mutation("presence:updatePresence", Access.USER, Map.of(
            "status", Validator.literal("online", "away", "offline"),
            "statusMessage", Validator.optional(Validator.text(280)),
            "userId", Validator.optional(Validator.userId())), true, call -> presence.setStatus(
                call.app(), call.actingUser(), call.args().string("status"),
                call.args().optString("statusMessage"), call.now()).toJson()),
        FunctionDefinition.mutation("presence:setOffline", Access.USER, Map.of(
            "sessionId", Validator.optional(Validator.string(128)),
            "all", Validator.optional(Validator.bool()),
            "userId", Validator.optional(Validator.userId())), true, this::setOffline),
        FunctionDefinition.query("presence:getMyPresence", Access.USER, Map.of(
            "userId", Validator.optional(Validator.userId())), true, call -> {
              String user = call.actingUser();
              call.read("presence", user);
              return presence.view(call.appId(), user, call.now()).toJson();
            }),
        FunctionDefinition.query("presence:getUserPresence", Access.USER, Map.of(
            "userId", Validator.userId()), true, call -> {
              String target = call.args().string("userId");
              visibility.requireVisible(call, target, "presence");
              call.read("presence", target);
              return presence.view(call.appId(), target, call.now()).toJson();
            }),
        FunctionDefinition.query("presence:getBatchPresence", Access.USER, Map.of(
            "userIds", Validator.array(Validator.userId(), MAX_BATCH)), true, this::batch),
        FunctionDefinition.query("presence:getOnlineFriends", Access.USER, Map.of(
            "friendIds", Validator.optional(Validator.array(Validator.userId(), FriendGraph.MAX_FRIENDS)),
            "userId", Validator.optional(Validator.userId())), true, this::onlineFriends));
  }

  private JsonNode heartbeat(Call call) {
    String user = call.actingUser();
    limiter.acquire(call, "heartbeat", user, call.app().functions().heartbeatsPerSecond(),
        "heartbeats are accepted");
    String session = call.args().optString("sessionId").orElse(UserPresence.DEFAULT_SESSION);
    return presence.heartbeat(call.app(), user, session, call.now()).toJson();
  }

  private JsonNode setOffline(Call call) {
    String user = call.actingUser();
    Optional<String> named = call.args().optString("sessionId");
    Optional<String> session = call.args().bool("all", false) ? Optional.empty()
        : Optional.of(named.orElse(UserPresence.DEFAULT_SESSION));
    // naming one session ends that one (a device of several); otherwise the user is marked
    // offline at once, open sockets or not, until it acts again
    boolean signOff = named.isEmpty() || call.args().bool("all", false);
    return presence.endSessions(call.app(), user, session, signOff, call.now()).toJson();
  }

  /** Presence of the given users the caller may see, in the order asked; others are left out. */
  private JsonNode batch(Call call) {
    ArrayNode out = NODES.arrayNode();
    for (String id : new LinkedHashSet<>(call.args().strings("userIds"))) {
      if (visibility.canSee(call, id)) {
        call.read("presence", id);
        out.add(presence.view(call.appId(), id, call.now()).toJson());
      }
    }
    return out;
  }

  private JsonNode onlineFriends(Call call) {
    List<String> candidates;
    Optional<List<String>> given = call.args().optStrings("friendIds");
    if (given.isPresent()) {
      candidates = given.get().stream().filter(id -> visibility.canSee(call, id)).toList();
    } else {
      String user = call.optActingUser().orElseThrow(() -> new ArgumentValidationException(
          "Object is missing the required field `friendIds` (or `userId` for the backend)"));
      call.read("friends", user);
      candidates = friends.friendsOf(call.appId(), user);
    }
    ArrayNode out = NODES.arrayNode();
    for (String id : new LinkedHashSet<>(candidates)) {
      call.read("presence", id);
      if (presence.isOnline(call.appId(), id)) {
        out.add(presence.view(call.appId(), id, call.now()).toJson());
      }
    }
    return out;
  }
}
