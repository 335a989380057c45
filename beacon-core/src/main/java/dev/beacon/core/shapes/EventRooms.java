package dev.beacon.core.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentShape;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.rooms.RoomFunctions;
import dev.beacon.core.social.RoomAccess;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Event rooms: rooms grouped under an event, whose members carry data such as a name and an
 * avatar. {@code presence:updatePresence {roomId, data?}} (told apart from Beacon's {@code
 * {status}} form by its {@code roomId}) enters a room, {@code presence:listPresence} lists it,
 * {@code presence:leaveRoom} leaves it, {@code presence:getEventPresence {eventId}} counts who is
 * in each room of an event, and {@code rooms:setEvent} (the backend) puts a room in an event.
 * A member's data gets the caller's display name and picture from its token's {@code name} and
 * {@code picture} claims unless it names them itself.
 */
public final class EventRooms implements FunctionModule {

  static final String SESSION = "event";
  static final int MAX_ROOMS = 100;
  static final int MAX_MEMBERS = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Functions functions;
  private final RoomFunctions rooms;
  private final RoomAccess access;
  private final RoomEvents events;
  private final Changes changes;

  public EventRooms(Functions functions, RoomFunctions rooms, RoomAccess access, RoomEvents events,
      Changes changes) {
    this.functions = functions;
    this.rooms = rooms;
    this.access = access;
    this.events = events;
    this.changes = changes;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Map<String, Validator> room = Map.of("roomId", Validator.id(),
        "userId", Validator.optional(Validator.userId()));
    return List.of(
        FunctionDefinition.mutation("presence:updatePresence", Access.USER, Map.of(
            "roomId", Validator.id(),
            "data", Validator.optional(Validator.any(2048)),
            "userId", Validator.optional(Validator.userId())),
            FunctionDefinition.CLOSED_ROOMS, this::updatePresence)
            .when(ArgumentShape.has("roomId").unless(ArgumentShape.has("clerkId"))),
        FunctionDefinition.query("presence:listPresence", Access.USER, room, true,
            call -> rooms.members(call, call.args().string("roomId"), MAX_MEMBERS)),
        FunctionDefinition.mutation("presence:leaveRoom", Access.USER, room, false,
            call -> functions.delegate(call, "rooms:leave", call.args().raw())),
        FunctionDefinition.query("presence:getEventPresence", Access.USER, Map.of(
            "eventId", Validator.id()), true, this::eventPresence),
        FunctionDefinition.mutation("rooms:setEvent", Access.BACKEND, Map.of(
            "roomId", Validator.id(), "eventId", Validator.optional(Validator.id())), true,
            this::setEvent));
  }

  private JsonNode updatePresence(Call call) {
    Optional<JsonNode> data = call.args().optValue("data");
    Caller.Profile profile = call.caller().profile();
    if (profile.name().isPresent() || profile.picture().isPresent()) {
      if (data.isEmpty() || data.get().isObject()) {
        ObjectNode withProfile = data.map(d -> ((ObjectNode) d).deepCopy()).orElseGet(NODES::objectNode);
        profile.name().ifPresent(n -> {
          if (!withProfile.has("name")) {
            withProfile.put("name", n);
          }
        });
        profile.picture().ifPresent(p -> {
          if (!withProfile.has("picture")) {
            withProfile.put("picture", p);
          }
        });
        data = Optional.of(withProfile);
      }
    }
    return rooms.enter(call, call.args().string("roomId"), SESSION, data,
        call.app().functions().presenceTtlSeconds() * 1000L);
  }

  /**
   * {@code {rooms: [{roomId, activeUsers: [{userId, data}], activeCount}], totalActiveUsers}} for
   * the event's rooms the caller may enter; a user in two rooms counts once in the total.
   */
  private JsonNode eventPresence(Call call) {
    String event = call.args().string("eventId");
    call.read("roomEvents", event);
    ObjectNode out = NODES.objectNode();
    ArrayNode list = out.putArray("rooms");
    Set<String> distinct = new LinkedHashSet<>();
    for (String room : events.rooms(call.appId(), event, MAX_ROOMS)) {
      if (!access.mayEnter(call, room)) {
        continue;
      }
      ObjectNode r = list.addObject();
      r.put("roomId", room);
      ArrayNode active = r.putArray("activeUsers");
      for (JsonNode m : rooms.members(call, room, MAX_MEMBERS)) {
        if (m.get("online").asBoolean()) {
          active.addObject().put("userId", m.get("userId").asText()).set("data", m.get("data"));
          distinct.add(m.get("userId").asText());
        }
      }
      r.put("activeCount", active.size());
    }
    out.put("totalActiveUsers", distinct.size());
    return out;
  }

  private JsonNode setEvent(Call call) {
    String room = call.args().string("roomId");
    Optional<String> before = events.eventOf(call.appId(), room);
    Optional<String> after = call.args().optString("eventId");
    if (after.isPresent()) {
      events.assign(call.appId(), room, after.get());
    } else {
      events.unassign(call.appId(), room);
    }
    List<DependencyKey> changed = new ArrayList<>(2);
    before.ifPresent(e -> changed.add(DependencyKey.of(call.appId(), "roomEvents", e)));
    after.ifPresent(e -> changed.add(DependencyKey.of(call.appId(), "roomEvents", e)));
    if (!changed.isEmpty()) {
      changes.changed(changed);
    }
    return NODES.nullNode();
  }

}
