package dev.beacon.core.receipts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.social.RoomAccess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code readReceipts:*}: who read which message, by explicit receipts and by per-chatroom
 * watermarks ("read everything up to"). Durable; changes are sent as {@code read} events on the
 * room's channel. Only for rooms the caller may enter.
 */
public final class ReceiptFunctions implements FunctionModule {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ReceiptStore store;
  private final RoomAccess access;
  private final Changes changes;
  private final LiveEvents live;

  public ReceiptFunctions(ReceiptStore store, RoomAccess access, Changes changes, LiveEvents live) {
    this.store = store;
    this.access = access;
    this.changes = changes;
    this.live = live;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("readReceipts:markMessageRead", Access.USER, Map.of(
            "chatroomId", Validator.id(),
            "messageId", Validator.string(128),
            "messageTs", Validator.optional(Validator.number()),
            "userId", Validator.optional(Validator.userId())), true, this::markMessage),
        FunctionDefinition.mutation("readReceipts:markChatroomRead", Access.USER, Map.of(
            "chatroomId", Validator.id(),
            "upToTs", Validator.optional(Validator.number()),
            "userId", Validator.optional(Validator.userId())), true, this::markChatroom),
        FunctionDefinition.query("readReceipts:getMessageReadReceipts", Access.USER, Map.of(
            "chatroomId", Validator.id(),
            "messageId", Validator.string(128),
            "messageTs", Validator.optional(Validator.number())), true, this::receipts),
        FunctionDefinition.query("readReceipts:hasUserReadMessage", Access.USER, Map.of(
            "chatroomId", Validator.id(),
            "messageId", Validator.string(128),
            "userId", Validator.userId(),
            "messageTs", Validator.optional(Validator.number())), true, this::hasRead));
  }

  private JsonNode markMessage(Call call) {
    String room = call.args().string("chatroomId");
    access.requireEnter(call, room);
    String user = call.actingUser();
    String message = call.args().string("messageId");
    Optional<Long> ts = call.args().optNumber("messageTs").map(Double::longValue);
    store.markMessage(call.appId(), room, message, user, ts, call.now());
    changed(call, room);
    ObjectNode event = NODES.objectNode().put("userId", user).put("messageId", message)
        .put("readAt", (double) call.now());
    ts.ifPresent(t -> event.put("messageTs", (double) t));
    live.toRoom(call.app(), room, "read", event);
    return NODES.nullNode();
  }

  private JsonNode markChatroom(Call call) {
    String room = call.args().string("chatroomId");
    access.requireEnter(call, room);
    String user = call.actingUser();
    long upTo = call.args().optNumber("upToTs").map(Double::longValue).orElse(call.now());
    store.markChatroom(call.appId(), room, user, upTo, call.now());
    changed(call, room);
    live.toRoom(call.app(), room, "read", NODES.objectNode().put("userId", user)
        .put("upToTs", (double) upTo).put("readAt", (double) call.now()));
    return NODES.nullNode();
  }

  private JsonNode receipts(Call call) {
    String room = call.args().string("chatroomId");
    access.requireEnter(call, room);
    call.read("receipts", room);
    String message = call.args().string("messageId");
    Map<String, Long> readers = new LinkedHashMap<>();
    for (ReceiptStore.Read r : store.messageReads(call.appId(), room, message)) {
      readers.merge(r.userId(), r.readAt(), Math::min);
    }
    Optional<Long> ts = messageTs(call, room, message);
    if (ts.isPresent()) {
      for (ReceiptStore.Read r : store.watermarksAtOrAfter(call.appId(), room, ts.get())) {
        readers.merge(r.userId(), r.readAt(), Math::min);
      }
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(readers.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
    ArrayNode out = NODES.arrayNode();
    for (Map.Entry<String, Long> e : sorted) {
      out.addObject().put("userId", e.getKey()).put("readAt", (double) e.getValue());
    }
    return out;
  }

  private JsonNode hasRead(Call call) {
    String room = call.args().string("chatroomId");
    access.requireEnter(call, room);
    call.read("receipts", room);
    String message = call.args().string("messageId");
    String user = call.args().string("userId");
    if (store.messageRead(call.appId(), room, message, user).isPresent()) {
      return NODES.booleanNode(true);
    }
    Optional<Long> ts = messageTs(call, room, message);
    Optional<Long> mark = store.watermark(call.appId(), room, user);
    return NODES.booleanNode(ts.isPresent() && mark.isPresent() && mark.get() >= ts.get());
  }

  private Optional<Long> messageTs(Call call, String room, String message) {
    Optional<Long> given = call.args().optNumber("messageTs").map(Double::longValue);
    return given.isPresent() ? given : store.messageTs(call.appId(), room, message);
  }

  private void changed(Call call, String room) {
    changes.changed(List.of(DependencyKey.of(call.appId(), "receipts", room)));
  }
}
