package dev.beacon.core.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentValidationException;
import dev.beacon.core.conversations.ConversationFunctions;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.rooms.RoomFunctions;
import dev.beacon.core.social.RoomAccess;
import dev.beacon.core.typing.TypingIndicators;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Conversation presence, as chat hooks call it: {@code presence:setPresence {conversationId?,
 * status}} puts the caller in one conversation at a time ({@code online}), typing there ({@code
 * typing}) or out of it ({@code offline}); {@code presence:getPresence {conversationId}} lists the
 * conversation's members with their status. A conversation is the room of the same id (its
 * members are the room's, its typists the room's typing), so these entries expire with the
 * presence TTL like any room member's. Where a stored conversation of that id exists ({@code
 * conversations:create}), only its members set or read its presence; otherwise the room's access
 * rule applies.
 */
public final class ConversationPresence implements FunctionModule {

  /** The room session a conversation's presence holds (beside the user's other ones). */
  static final String SESSION = "conversation";
  static final int MAX_MEMBERS = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Functions functions;
  private final RoomFunctions rooms;
  private final RoomAccess access;
  private final TypingIndicators typing;
  private final ConversationFunctions conversations;
  /** Each user's current conversation (app, user → conversation), while it is in one. */
  private final ConcurrentHashMap<String, String> current = new ConcurrentHashMap<>();

  public ConversationPresence(Functions functions, RoomFunctions rooms, RoomAccess access,
      TypingIndicators typing, ConversationFunctions conversations) {
    this.conversations = conversations;
    this.functions = functions;
    this.rooms = rooms;
    this.access = access;
    this.typing = typing;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("presence:setPresence", Access.USER, Map.of(
            "conversationId", Validator.optional(Validator.id()),
            "status", Validator.literal("online", "typing", "offline"),
            "userId", Validator.optional(Validator.userId())),
            true, this::setPresence), // blocks: a stored conversation's membership is read
        // signed out or not a member: [] rather than an error, as such hooks expect
        FunctionDefinition.query("presence:getPresence", Access.PUBLIC, Map.of(
            "conversationId", Validator.id()), true, this::getPresence));
  }

  private JsonNode setPresence(Call call) {
    String user = call.actingUser();
    String status = call.args().string("status");
    Optional<String> conversation = call.args().optString("conversationId");
    String key = call.appId() + '\u0000' + user;
    if ("offline".equals(status)) {
      Optional<String> left = conversation.or(() -> Optional.ofNullable(current.get(key)));
      left.ifPresent(c -> {
        leave(call, c);
        current.remove(key, c);
      });
      return NODES.nullNode();
    }
    if (conversation.isEmpty()) {
      if ("typing".equals(status)) {
        throw new ArgumentValidationException("status \"typing\" needs a `conversationId`");
      }
      // online somewhere in the app, in no conversation
      functions.delegate(call, "presence:heartbeat", self(call));
      return NODES.nullNode();
    }
    String room = conversation.get();
    if (!mayUse(call, room, user)) {
      throw FunctionException.forbidden("user '" + user + "' is not a member of conversation '"
          + room + "'");
    }
    rooms.enter(call, room, SESSION, Optional.empty(),
        call.app().functions().presenceTtlSeconds() * 1000L);
    String before = current.put(key, room);
    if (before != null && !before.equals(room)) {
      leave(call, before); // one conversation at a time: moving here leaves the last one
    }
    functions.delegate(call, "typing".equals(status) ? "typing:startTyping" : "typing:stopTyping",
        self(call).put("chatroomId", room));
    return NODES.nullNode();
  }

  private void leave(Call call, String room) {
    functions.delegate(call, "typing:stopTyping", self(call).put("chatroomId", room));
    functions.delegate(call, "rooms:leave", self(call).put("roomId", room).put("sessionId", SESSION));
  }

  /**
   * A stored conversation's members only (the backend: any); where none exists, whoever may enter
   * the room of that id.
   */
  private boolean mayUse(Call call, String room, String user) {
    if (call.caller().trusted()) {
      return true;
    }
    call.read("conversation", room);
    return conversations.membership(call.appId(), room, user).orElseGet(() -> access.mayEnter(call, room));
  }

  /** Arguments naming the acting user for the backend (an end user names none). */
  private static ObjectNode self(Call call) {
    ObjectNode args = NODES.objectNode();
    if (call.caller().trusted()) {
      args.put("userId", call.actingUser());
    }
    return args;
  }

  private JsonNode getPresence(Call call) {
    String room = call.args().string("conversationId");
    ArrayNode out = NODES.arrayNode();
    if (!call.caller().trusted() && call.caller().userId().isEmpty()) {
      return out;
    }
    if (!mayUse(call, room, call.caller().userId().orElse(""))) {
      return out;
    }
    call.read("typing", room);
    Set<String> typists = new HashSet<>();
    typing.typing(call.appId(), room, call.now()).forEach(t -> typists.add(t.userId()));
    for (JsonNode m : rooms.members(call, room, MAX_MEMBERS)) {
      boolean online = m.get("online").asBoolean();
      String user = m.get("userId").asText();
      ObjectNode e = out.addObject();
      e.put("userId", user);
      e.put("conversationId", room);
      e.put("status", online && typists.contains(user) ? "typing" : online ? "online" : "offline");
      e.set("lastSeen", m.get("lastSeen"));
    }
    return out;
  }
}
