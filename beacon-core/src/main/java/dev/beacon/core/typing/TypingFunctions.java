package dev.beacon.core.typing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.RateLimiter;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.social.RoomAccess;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code typing:*}: typing indicators per chatroom, for rooms the caller may enter. */
public final class TypingFunctions implements FunctionModule {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TypingIndicators typing;
  private final RoomAccess access;
  private final RateLimiter limiter;

  public TypingFunctions(TypingIndicators typing, RoomAccess access, RateLimiter limiter) {
    this.typing = typing;
    this.access = access;
    this.limiter = limiter;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Map<String, Validator> args = Map.of(
        "chatroomId", Validator.id(), "userId", Validator.optional(Validator.userId()));
    return List.of(
        FunctionDefinition.mutation("typing:startTyping", Access.USER, args,
            FunctionDefinition.CLOSED_ROOMS, call -> {
              String room = call.args().string("chatroomId");
              access.requireEnter(call, room);
              String user = call.actingUser();
              limiter.acquire(call, "typing", user, call.app().functions().typingPerSecond(),
                  "typing updates are accepted");
              typing.start(call.app(), room, user, call.now());
              return NODES.nullNode();
            }),
        FunctionDefinition.mutation("typing:stopTyping", Access.USER, args,
            FunctionDefinition.CLOSED_ROOMS, call -> {
              String room = call.args().string("chatroomId");
              access.requireEnter(call, room);
              typing.stop(call.app(), room, call.actingUser());
              return NODES.nullNode();
            }),
        FunctionDefinition.query("typing:getTypingInChatroom", Access.USER, args,
            FunctionDefinition.CLOSED_ROOMS, call -> {
              ArrayNode out = NODES.arrayNode();
              for (TypingIndicators.Typist t : others(call)) {
                out.addObject().put("userId", t.userId()).put("expiresAt", (double) t.expiresAt());
              }
              return out;
            }),
        FunctionDefinition.query("typing:getTypingCount", Access.USER, args,
            FunctionDefinition.CLOSED_ROOMS, call -> NODES.numberNode(others(call).size())));
  }

  /** Who types in the room, without the caller itself. */
  private List<TypingIndicators.Typist> others(Call call) {
    String room = call.args().string("chatroomId");
    access.requireEnter(call, room);
    call.read("typing", room);
    Optional<String> self = call.optActingUser();
    return typing.typing(call.appId(), room, call.now()).stream()
        .filter(t -> self.map(s -> !s.equals(t.userId())).orElse(true)).toList();
  }
}
