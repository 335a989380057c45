package dev.beacon.core.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.conversations.ConversationFunctions;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentShape;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.PageRequest;
import dev.beacon.core.functions.Validator;
import java.util.List;
import java.util.Map;

/**
 * The names AI chat apps built on Convex call, over conversations: a thread is a conversation
 * ({@code threadId} is its id). {@code threads:create}, {@code threads:getByUser}, {@code
 * threads:getListView}, {@code threads:getGenerating}, {@code messages:getByThread} (oldest
 * first), {@code messages:getMessagesPaginated}, {@code messages:getStreaming {threadId}} (the
 * message being streamed, or null) and {@code messages:updateStreamingContent {messageId, token}}
 * (appends). {@code messages:send} and {@code messages:add} take {@code threadId} themselves.
 */
public final class AiChatThreads implements FunctionModule {

  /** The most messages {@code messages:getByThread} returns: the newest, oldest first. */
  static final int THREAD_MESSAGES = 1000;
  /** The most threads {@code threads:getByUser} and {@code getListView} return. */
  static final int THREADS = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Functions functions;
  private final ConversationFunctions conversations;

  public AiChatThreads(Functions functions, ConversationFunctions conversations) {
    this.functions = functions;
    this.conversations = conversations;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Validator self = Validator.optional(Validator.userId());
    return List.of(
        FunctionDefinition.mutation("threads:create", Access.USER, Map.of(
            "threadId", Validator.optional(Validator.id()),
            "title", Validator.optional(Validator.text(500)),
            "memberIds", Validator.optional(Validator.array(Validator.userId(), 1000)),
            "userId", self), true, this::create),
        FunctionDefinition.query("threads:getByUser", Access.USER, Map.of("userId", self), true,
            call -> threads(call, false)),
        FunctionDefinition.query("threads:getListView", Access.USER, Map.of("userId", self), true,
            call -> threads(call, true)),
        FunctionDefinition.query("threads:getGenerating", Access.USER, Map.of("userId", self), true,
            call -> {
              ArrayNode out = NODES.arrayNode();
              conversations.generating(call, call.actingUser()).forEach(out::add);
              return out;
            }),
        FunctionDefinition.query("messages:getByThread", Access.USER, Map.of(
            "threadId", Validator.id(), "userId", self), true, call -> {
              ArrayNode out = NODES.arrayNode();
              conversations.recent(call, call.args().string("threadId"), THREAD_MESSAGES)
                  .forEach(m -> out.add(m.toJson()));
              return out;
            }),
        FunctionDefinition.query("messages:getMessagesPaginated", Access.USER,
            PageRequest.arguments(Map.of("threadId", Validator.id(), "userId", self)), true,
            call -> functions.delegate(call, "messages:list", call.args().raw())),
        FunctionDefinition.query("messages:getStreaming", Access.USER, Map.of(
            "threadId", Validator.id(), "userId", self), true, this::streaming)
            .when(ArgumentShape.has("threadId")),
        FunctionDefinition.mutation("messages:updateStreamingContent", Access.USER, Map.of(
            "messageId", Validator.id(), "token", Validator.text(16 * 1024 * 1024), "userId", self),
            true, call -> {
              ObjectNode args = NODES.objectNode().put("messageId", call.args().string("messageId"))
                  .put("text", call.args().string("token"));
              call.args().optString("userId").ifPresent(u -> args.put("userId", u));
              return functions.delegate(call, "messages:appendStream", args);
            }).blockingWhen(conversations::appendBlocks));
  }

  /** A client-chosen {@code threadId} is kept when free; taken, the thread gets a new id. */
  private JsonNode create(Call call) {
    ObjectNode args = ((ObjectNode) call.args().raw()).deepCopy();
    JsonNode thread = args.remove("threadId");
    if (thread != null && !thread.isNull()) {
      try {
        return functions.delegate(call, "conversations:create",
            args.deepCopy().put("conversationId", thread.asText()));
      } catch (FunctionException e) {
        if (!"CONFLICT".equals(e.code())) {
          throw e;
        }
      }
    }
    return functions.delegate(call, "conversations:create", args);
  }

  /** The caller's threads, most recent activity first; the list view with last message and unread. */
  private JsonNode threads(Call call, boolean listView) {
    ObjectNode args = NODES.objectNode().put("limit", THREADS);
    call.args().optString("userId").ifPresent(u -> args.put("userId", u));
    JsonNode page = functions.delegate(call, "conversations:listMine", args).get("page");
    ArrayNode out = NODES.arrayNode();
    for (JsonNode t : page) {
      ObjectNode item = ((ObjectNode) t).deepCopy();
      if (!listView) {
        item.remove("lastMessage");
        item.remove("unreadCount");
      }
      out.add(item);
    }
    return out;
  }

  /** The thread's message being streamed now (the newest, if several), or null. */
  private JsonNode streaming(Call call) {
    ObjectNode args = NODES.objectNode().put("conversationId", call.args().string("threadId"));
    call.args().optString("userId").ifPresent(u -> args.put("userId", u));
    JsonNode all = functions.delegate(call, "messages:getStreaming", args);
    return all.isEmpty() ? NODES.nullNode() : all.get(all.size() - 1);
  }

}
