package dev.beacon.core.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentShape;
import dev.beacon.core.functions.ArgumentValidationException;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.rooms.RoomFunctions;
import dev.beacon.core.rooms.RoomPresence;
import dev.beacon.core.social.RoomAccess;
import dev.beacon.core.social.RoomRegistry;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code @convex-dev/presence} component's API (0.4.0), so its {@code usePresence} hooks run
 * unchanged: {@code presence:heartbeat {roomId, userId, sessionId, interval?}} (told apart from
 * Beacon's own heartbeat by its {@code roomId}) returns a room token and a session token; {@code
 * presence:list {roomToken}} lists the room; {@code presence:disconnect {sessionToken}} ends the
 * session without any credentials (the hook's {@code navigator.sendBeacon} on page unload); and
 * the component's server-side helpers. A component room is the Beacon room of the same id: the
 * member list of {@code rooms:list} and of the Pusher channel {@code presence-room-{roomId}}.
 */
public final class ComponentPresence implements FunctionModule {

  static final int DEFAULT_INTERVAL_MILLIS = 10_000;
  static final int MAX_INTERVAL_MILLIS = 3_600_000;
  static final int DEFAULT_LIMIT = 104;
  static final int MAX_LIMIT = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Apps apps;
  private final Functions functions;
  private final RoomFunctions rooms;
  private final RoomPresence presence;
  private final RoomRegistry registry;
  private final RoomAccess access;
  private final ExpiryScheduler expiry;
  private final Changes changes;
  private final PresenceTokens tokens = new PresenceTokens();
  /** Which room and user each live session id belongs to, until its deadline passes. */
  private final ConcurrentHashMap<String, Binding> bindings = new ConcurrentHashMap<>();

  public ComponentPresence(Apps apps, Functions functions, RoomFunctions rooms,
      RoomPresence presence, RoomRegistry registry, RoomAccess access, ExpiryScheduler expiry,
      Changes changes) {
    this.apps = apps;
    this.functions = functions;
    this.rooms = rooms;
    this.presence = presence;
    this.registry = registry;
    this.access = access;
    this.expiry = expiry;
    this.changes = changes;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Validator limit = Validator.optional(Validator.number());
    return List.of(
        FunctionDefinition.mutation("presence:heartbeat", Access.PUBLIC, Map.of(
            "roomId", Validator.id(),
            "userId", Validator.userId(),
            "sessionId", Validator.string(1024),
            "interval", Validator.optional(Validator.number())),
            FunctionDefinition.CLOSED_ROOMS, this::heartbeat)
            .when(ArgumentShape.has("roomId").unless(ArgumentShape.has("clerkId"))),
        FunctionDefinition.query("presence:list", Access.PUBLIC, Map.of(
            "roomToken", Validator.text(4096), "limit", limit), true, this::list),
        FunctionDefinition.mutation("presence:disconnect", Access.PUBLIC, Map.of(
            "sessionToken", Validator.text(4096),
            "scheduled", Validator.optional(Validator.bool())), false, this::disconnect),
        FunctionDefinition.query("presence:listRoom", Access.USER, Map.of(
            "roomId", Validator.id(), "onlineOnly", Validator.optional(Validator.bool()),
            "limit", limit), true, this::listRoom),
        FunctionDefinition.query("presence:listUser", Access.USER, Map.of(
            "userId", Validator.userId(), "onlineOnly", Validator.optional(Validator.bool()),
            "limit", limit), true, this::listUser),
        FunctionDefinition.mutation("presence:updateRoomUser", Access.USER, Map.of(
            "roomId", Validator.id(), "userId", Validator.userId(),
            "data", Validator.optional(Validator.any(2048))), true, this::updateRoomUser),
        FunctionDefinition.mutation("presence:removeRoomUser", Access.USER, Map.of(
            "roomId", Validator.id(), "userId", Validator.userId()), false, call -> {
              String room = call.args().string("roomId");
              presence.remove(call.app(), room, call.actingUser());
              return NODES.nullNode();
            }),
        FunctionDefinition.mutation("presence:removeRoom", Access.BACKEND, Map.of(
            "roomId", Validator.id()), true, this::removeRoom));
  }

  // ------------------------------------------------------------------ the hook's three calls

  /**
   * The named user is in the room for 2.5 intervals more. {@code userId} must be the signed-in
   * caller, unless the app takes it as given ({@code anonymous_presence}) or the backend calls.
   */
  private JsonNode heartbeat(Call call) {
    String room = call.args().string("roomId");
    String user = call.args().string("userId");
    String sessionId = call.args().string("sessionId");
    double interval = call.args().optNumber("interval").orElse((double) DEFAULT_INTERVAL_MILLIS);
    if (interval <= 0 || interval > MAX_INTERVAL_MILLIS) {
      throw new ArgumentValidationException("interval must be more than 0 and at most "
          + MAX_INTERVAL_MILLIS + " milliseconds, not " + interval);
    }
    long ttl = Math.round(interval * 2.5);
    Call as = call.actingAs(member(call, user));
    bind(call.app(), sessionId, room, user, call.now() + ttl);
    String session = beaconSession(sessionId);
    rooms.enter(as, room, session, Optional.empty(), ttl);
    ObjectNode out = NODES.objectNode();
    out.put("roomToken", tokens.roomToken(call.app(), room));
    out.put("sessionToken", tokens.sessionToken(call.app(), room, user, session));
    return out;
  }

  /** Who enters the room for a heartbeat naming {@code user}. */
  private static Caller member(Call call, String user) {
    Caller caller = call.caller();
    if (caller.trusted() || call.app().functions().anonymousPresence()) {
      return Caller.user(call.app(), user);
    }
    String self = caller.userId().orElseThrow(() -> FunctionException.unauthenticated(
        "presence:heartbeat needs a signed-in user whose id is `userId` (Authorization: Bearer "
            + "<JWT>), or an app with anonymous_presence"));
    if (!self.equals(user)) {
      throw FunctionException.forbidden("user '" + self + "' may not be present as user '" + user + "'");
    }
    return caller;
  }

  /** The room's members, online first, for whoever holds the room's token; [] for any other. */
  private JsonNode list(Call call) {
    Optional<String> room = tokens.room(call.app(), call.args().string("roomToken"));
    ArrayNode out = NODES.arrayNode();
    if (room.isEmpty()) {
      return out;
    }
    int limit = limit(call);
    // the token is the right to read the room: the heartbeat that handed it out checked entry
    for (JsonNode m : rooms.members(call.actingAs(Caller.backend(call.app())), room.get(), limit)) {
      entry(m).ifPresent(out::add);
    }
    return out;
  }

  /** Ends the session the token names; {@code null} also for a token this server never issued. */
  private JsonNode disconnect(Call call) {
    if (call.args().bool("scheduled", false)) {
      return NODES.nullNode(); // a disconnect scheduled by an older component: sessions expire here
    }
    String token = call.args().string("sessionToken");
    Optional<App> app = PresenceTokens.appOf(token).flatMap(apps::byId);
    Optional<PresenceTokens.Session> session = app.flatMap(a -> tokens.session(a, token));
    if (session.isPresent()) {
      PresenceTokens.Session s = session.get();
      presence.leave(app.get(), s.roomId(), s.userId(), Optional.of(s.sessionId()));
      bindings.computeIfPresent(s.appId() + '\u0000' + s.sessionId(), (k, b) -> null);
    }
    return NODES.nullNode();
  }

  // ------------------------------------------------------------------ server-side helpers

  private JsonNode listRoom(Call call) {
    boolean onlineOnly = call.args().bool("onlineOnly", false);
    ArrayNode out = NODES.arrayNode();
    for (JsonNode m : rooms.members(call, call.args().string("roomId"), limit(call))) {
      if (!onlineOnly || m.get("online").asBoolean()) {
        entry(m).ifPresent(e -> out.add(e.without("data")));
      }
    }
    return out;
  }

  private JsonNode listUser(Call call) {
    String user = call.args().string("userId");
    boolean onlineOnly = call.args().bool("onlineOnly", false);
    int limit = limit(call);
    ArrayNode out = NODES.arrayNode();
    Set<String> now = new HashSet<>();
    // rooms:listUser checks that the caller may see the user, and leaves out rooms it may not enter
    for (JsonNode r : functions.delegate(call, "rooms:listUser", NODES.objectNode().put("userId", user))) {
      if (out.size() < limit) {
        now.add(r.get("roomId").asText());
        out.addObject().put("roomId", r.get("roomId").asText()).put("online", true)
            .put("lastDisconnected", 0);
      }
    }
    if (!onlineOnly) {
      for (RoomRegistry.Visit v : registry.visits(call.appId(), user, limit + now.size())) {
        if (out.size() < limit && !now.contains(v.roomId()) && access.mayEnter(call, v.roomId())) {
          out.addObject().put("roomId", v.roomId()).put("online", false)
              .put("lastDisconnected", (double) v.lastSeen());
        }
      }
    }
    return out;
  }

  /** A member's data, present or past; {@code null} (and nothing changed) for a stranger. */
  private JsonNode updateRoomUser(Call call) {
    String room = call.args().string("roomId");
    String user = call.actingUser();
    String data = call.args().optValue("data").map(Json::write).orElse("null");
    if (!presence.setData(call.app(), room, user, data)) {
      Optional<RoomRegistry.Member> past = registry.member(call.appId(), room, user)
          .filter(m -> m.lastSeen() > 0);
      if (past.isPresent()) {
        registry.recordVisit(call.appId(), room, user, past.get().lastSeen(), data);
        changes.changed(List.of(DependencyKey.of(call.appId(), "room", room)));
      }
    }
    return NODES.nullNode();
  }

  /** Everyone leaves the room and its past members are forgotten. */
  private JsonNode removeRoom(Call call) {
    String room = call.args().string("roomId");
    for (RoomPresence.Present p : presence.present(call.app(), room)) {
      presence.remove(call.app(), room, p.userId());
    }
    registry.forgetVisits(call.appId(), room);
    changes.changed(List.of(DependencyKey.of(call.appId(), "room", room)));
    return NODES.nullNode();
  }

  // ------------------------------------------------------------------ internals

  private static int limit(Call call) {
    double asked = call.args().optNumber("limit").orElse((double) DEFAULT_LIMIT);
    if (asked < 0 || asked != Math.rint(asked)) {
      throw new ArgumentValidationException("limit must be a whole number of at least 0, not " + asked);
    }
    return (int) Math.min(MAX_LIMIT, asked);
  }

  /**
   * A {@code rooms:list} member as the component lists it: {@code {userId, online,
   * lastDisconnected, data?}}, {@code lastDisconnected} 0 while online; empty for a registered
   * member who was never present.
   */
  private static Optional<ObjectNode> entry(JsonNode member) {
    boolean online = member.get("online").asBoolean();
    JsonNode seen = member.get("lastSeen");
    if (!online && (seen == null || seen.isNull())) {
      return Optional.empty();
    }
    ObjectNode e = NODES.objectNode();
    e.put("userId", member.get("userId").asText());
    e.put("online", online);
    e.put("lastDisconnected", online ? 0 : seen.asDouble());
    JsonNode data = member.get("data");
    if (data != null && !data.isNull()) {
      e.set("data", data);
    }
    return Optional.of(e);
  }

  /**
   * Records which room and user a session id belongs to, refusing its reuse for another while it
   * lives (as the component does); the record goes when the session's deadline passes.
   */
  private void bind(App app, String sessionId, String room, String user, long deadline) {
    String key = app.id() + '\u0000' + sessionId;
    long now = expiry.clock().millis();
    boolean[] created = new boolean[1];
    Binding b = bindings.compute(key, (k, old) -> {
      if (old != null && old.deadline > now && (!old.room.equals(room) || !old.user.equals(user))) {
        throw FunctionException.conflict("sessionId " + sessionId
            + " must be unique for a given room/user: it is in use in room '" + old.room + "'");
      }
      if (old != null && old.room.equals(room) && old.user.equals(user)) {
        old.deadline = Math.max(old.deadline, deadline);
        return old;
      }
      created[0] = true;
      return new Binding(room, user, deadline);
    });
    if (created[0]) {
      scheduleForget(key, b);
    }
  }

  private void scheduleForget(String key, Binding b) {
    expiry.schedule(b.deadline, () -> {
      if (b.deadline <= expiry.clock().millis()) {
        bindings.remove(key, b);
      } else {
        scheduleForget(key, b);
      }
    });
  }

  /** A room session id of Beacon's size for the hook's session id (which may be long). */
  static String beaconSession(String sessionId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
      return "presence:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static final class Binding {
    final String room;
    final String user;
    volatile long deadline;

    Binding(String room, String user, long deadline) {
      this.room = room;
      this.user = user;
      this.deadline = deadline;
    }
  }
}
