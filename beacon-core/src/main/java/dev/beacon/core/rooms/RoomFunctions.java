package dev.beacon.core.rooms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Awaiting;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.RateLimiter;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.hub.ChannelFullException;
import dev.beacon.core.hub.ClusterUnavailableException;
import dev.beacon.core.social.RoomAccess;
import dev.beacon.core.social.RoomRegistry;
import dev.beacon.core.social.Visibility;
import dev.beacon.protocol.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code rooms:*}: who is in a room (chat room, event room, document). Members are listed online
 * first, then those who left by when they were last seen; the backend registers members of
 * closed rooms with {@code rooms:setMembers}, {@code rooms:addMember} and {@code
 * rooms:removeMember} (Beacon's additions to the SPEC's list).
 */
public final class RoomFunctions implements FunctionModule {

  static final int MAX_LIST = 1000;
  static final int MAX_SUMMARY_ROOMS = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final RoomPresence rooms;
  private final RoomRegistry registry;
  private final RoomAccess access;
  private final Visibility visibility;
  private final RateLimiter limiter;
  private final Changes changes;
  private final dev.beacon.core.typing.TypingIndicators typing;

  public RoomFunctions(RoomPresence rooms, RoomRegistry registry, RoomAccess access,
      Visibility visibility, RateLimiter limiter, Changes changes,
      dev.beacon.core.typing.TypingIndicators typing) {
    this.typing = typing;
    this.rooms = rooms;
    this.registry = registry;
    this.access = access;
    this.visibility = visibility;
    this.limiter = limiter;
    this.changes = changes;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("rooms:heartbeat", Access.USER, Map.of(
            "roomId", Validator.id(),
            "data", Validator.optional(Validator.any(2048)),
            "sessionId", Validator.optional(Validator.string(128)),
            "userId", Validator.optional(Validator.userId())), FunctionDefinition.CLOSED_ROOMS,
            this::heartbeat),
        FunctionDefinition.mutation("rooms:leave", Access.USER, Map.of(
            "roomId", Validator.id(),
            "sessionId", Validator.optional(Validator.string(128)),
            "userId", Validator.optional(Validator.userId())), false, call -> {
              rooms.leave(call.app(), call.args().string("roomId"), call.actingUser(),
                  call.args().optString("sessionId"));
              return NODES.nullNode();
            }),
        FunctionDefinition.query("rooms:list", Access.USER, Map.of(
            "roomId", Validator.id(),
            "limit", Validator.optional(Validator.number())), true, this::list),
        FunctionDefinition.query("rooms:listUser", Access.USER, Map.of(
            "userId", Validator.optional(Validator.userId())), true, this::listUser),
        FunctionDefinition.query("rooms:summary", Access.USER, Map.of(
            "roomIds", Validator.array(Validator.id(), MAX_SUMMARY_ROOMS)),
            FunctionDefinition.CLOSED_ROOMS, this::summary),
        FunctionDefinition.mutation("rooms:setMembers", Access.BACKEND, Map.of(
            "roomId", Validator.id(),
            "userIds", Validator.array(Validator.userId(), 10_000)), true, call -> {
              String room = call.args().string("roomId");
              List<String> kept = call.args().strings("userIds");
              List<String> dropped = registry.members(call.appId(), room, Integer.MAX_VALUE).stream()
                  .filter(RoomRegistry.Member::registered).map(RoomRegistry.Member::userId)
                  .filter(u -> !kept.contains(u)).toList();
              registry.setRegistered(call.appId(), room, kept);
              registryChanged(call, room);
              evict(call, room, dropped);
              return NODES.nullNode();
            }),
        FunctionDefinition.mutation("rooms:addMember", Access.BACKEND, Map.of(
            "roomId", Validator.id(), "userId", Validator.userId()), true, call -> {
              String room = call.args().string("roomId");
              boolean added = registry.register(call.appId(), room, call.args().string("userId"));
              registryChanged(call, room);
              return NODES.booleanNode(added);
            }),
        FunctionDefinition.mutation("rooms:removeMember", Access.BACKEND, Map.of(
            "roomId", Validator.id(), "userId", Validator.userId()), true, call -> {
              String room = call.args().string("roomId");
              String user = call.args().string("userId");
              boolean removed = registry.unregister(call.appId(), room, user);
              registryChanged(call, room);
              if (removed) {
                evict(call, room, List.of(user));
              }
              return NODES.booleanNode(removed);
            }));
  }

  /**
   * In a closed room, a user the backend no longer registers is out at once: their HTTP room
   * sessions end and their typing stops (a Pusher subscriber of the room's channel stays until it
   * unsubscribes; the backend can close its connections with terminate_connections).
   */
  private void evict(Call call, String room, List<String> users) {
    if (call.app().functions().openRooms()) {
      return; // anyone may enter an open room: registration does not gate it
    }
    for (String user : users) {
      rooms.leave(call.app(), room, user, java.util.Optional.empty());
      typing.stop(call.app(), room, user);
    }
  }

  private JsonNode heartbeat(Call call) {
    return enter(call, call.args().string("roomId"), call.args().optString("sessionId").orElse("default"),
        call.args().optValue("data"), call.app().functions().presenceTtlSeconds() * 1000L);
  }

  /**
   * The caller (or the user the backend names) enters a room, or renews its HTTP session there,
   * for {@code ttlMillis}: what {@code rooms:heartbeat} does, for other shapes of the same call.
   * Without {@code data} the member keeps the data it has.
   *
   * @return {@code {roomId, userId, online, data}}
   * @throws dev.beacon.core.functions.FunctionException FORBIDDEN for a room the caller may not
   *     enter or that is full, RATE_LIMITED past the app's heartbeat rate, UNAVAILABLE when a
   *     cluster could not answer whether a user new to this node may join
   * @throws Awaiting in a cluster, while the cluster decides whether a user new to this node may
   *     join (the call runs again with its answer)
   */
  public ObjectNode enter(Call call, String room, String sessionId,
      java.util.Optional<JsonNode> given, long ttlMillis) {
    access.requireEnter(call, room);
    String user = call.actingUser();
    limiter.acquire(call, "rooms", user, call.app().functions().heartbeatsPerSecond(),
        "room heartbeats are accepted");
    String data = given.map(Json::write).orElse(null);
    if (data == null) {
      data = rooms.present(call.app(), room).stream().filter(p -> p.userId().equals(user))
          .map(RoomPresence.Present::dataJson).findFirst().orElse("null");
    }
    java.util.Optional<java.util.concurrent.CompletionStage<Void>> joining;
    try {
      joining = rooms.heartbeat(call.app(), room, user, sessionId, data, call.now(), ttlMillis);
    } catch (ChannelFullException | ClusterUnavailableException e) {
      throw refusal(room, e);
    }
    if (joining.isPresent()) {
      // in a cluster: the call goes on once the cluster took the user in (it runs again and
      // renews the session), or fails as on one node
      throw new Awaiting("the cluster to let '" + user + "' into room '" + room + "'",
          joining.get(), e -> refusal(room, e));
    }
    ObjectNode out = NODES.objectNode();
    out.put("roomId", room);
    out.put("userId", user);
    out.put("online", true);
    out.set("data", Json.parse(data));
    return out;
  }

  /** A join the room or the cluster refused, as the caller hears it. */
  private static RuntimeException refusal(String room, Throwable e) {
    if (e instanceof ChannelFullException full) {
      return FunctionException.forbidden("room '" + room + "' is full (" + full.limit()
          + " members)");
    }
    if (e instanceof ClusterUnavailableException) {
      return FunctionException.unavailable("room '" + room + "' could not be entered: "
          + e.getMessage());
    }
    return e instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(e);
  }

  private JsonNode list(Call call) {
    return members(call, call.args().string("roomId"),
        dev.beacon.core.functions.PageRequest.limit(call.args(), 100, MAX_LIST));
  }

  /**
   * The members of a room as {@code rooms:list} returns them: {@code [{userId, online, lastSeen,
   * data}]}, online first in arrival order, then past members, most recently seen first.
   *
   * @throws dev.beacon.core.functions.FunctionException FORBIDDEN for a room the caller may not
   *     enter
   */
  public ArrayNode members(Call call, String room, int limit) {
    access.requireEnter(call, room);
    call.read("room", room);
    call.read("roomRegistry", room);
    ArrayNode out = NODES.arrayNode();
    Set<String> seen = new LinkedHashSet<>();
    for (RoomPresence.Present p : rooms.present(call.app(), room)) {
      if (out.size() >= limit) {
        return out;
      }
      seen.add(p.userId());
      ObjectNode m = out.addObject();
      m.put("userId", p.userId());
      m.put("online", true);
      m.put("lastSeen", (double) call.now());
      m.set("data", Json.parse(p.dataJson()));
    }
    List<RoomRegistry.Member> past = new ArrayList<>(registry.members(call.appId(), room, limit + seen.size()));
    past.sort(Comparator.comparingLong(RoomRegistry.Member::lastSeen).reversed()
        .thenComparing(RoomRegistry.Member::userId));
    for (RoomRegistry.Member member : past) {
      if (out.size() >= limit) {
        break;
      }
      if (seen.contains(member.userId())) {
        continue;
      }
      ObjectNode m = out.addObject();
      m.put("userId", member.userId());
      m.put("online", false);
      if (member.lastSeen() > 0) {
        m.put("lastSeen", (double) member.lastSeen());
      } else {
        m.putNull("lastSeen");
      }
      m.set("data", Json.parse(member.dataJson() == null ? "null" : member.dataJson()));
    }
    return out;
  }

  private JsonNode listUser(Call call) {
    String target = call.args().optString("userId").or(call::endUser).orElseThrow(
        () -> new dev.beacon.core.functions.ArgumentValidationException(
            "Object is missing the required field `userId`"));
    visibility.requireVisible(call, target, "rooms");
    call.read("userRooms", target);
    ArrayNode out = NODES.arrayNode();
    rooms.roomsOf(call.appId(), target).stream().sorted().forEach(room -> {
      if (access.mayEnter(call, room)) {
        ObjectNode r = out.addObject();
        r.put("roomId", room);
        String data = rooms.present(call.app(), room).stream()
            .filter(p -> p.userId().equals(target)).map(RoomPresence.Present::dataJson)
            .findFirst().orElse("null");
        r.set("data", Json.parse(data));
      }
    });
    return out;
  }

  private JsonNode summary(Call call) {
    ObjectNode out = NODES.objectNode();
    ArrayNode list = out.putArray("rooms");
    Set<String> distinct = new LinkedHashSet<>();
    for (String room : new LinkedHashSet<>(call.args().strings("roomIds"))) {
      access.requireEnter(call, room);
      call.read("room", room);
      List<RoomPresence.Present> present = rooms.present(call.app(), room);
      ObjectNode r = list.addObject();
      r.put("roomId", room);
      r.put("count", present.size());
      ArrayNode members = r.putArray("members");
      present.forEach(p -> {
        members.add(p.userId());
        distinct.add(p.userId());
      });
    }
    out.put("distinctUsers", distinct.size());
    return out;
  }

  private void registryChanged(Call call, String room) {
    changes.changed(List.of(DependencyKey.of(call.appId(), "roomRegistry", room),
        DependencyKey.of(call.appId(), "room", room),
        DependencyKey.of(call.appId(), "registeredRooms", "*")));
  }
}
