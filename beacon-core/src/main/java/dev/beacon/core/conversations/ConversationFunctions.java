package dev.beacon.core.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentValidationException;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.PageRequest;
import dev.beacon.core.functions.RateLimiter;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.outbox.OfflinePush;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.social.RoomRegistry;
import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.store.Ids;
import dev.beacon.core.time.ExpiryScheduler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code conversations:*} and {@code messages:*}: durable conversations and their messages,
 * streamed replies included. Only members read or write a conversation (the app's backend reads
 * and writes all); every change is told to live queries and published on the conversation's
 * {@code private-conversation-{id}} channel ({@code new-message}, {@code message-updated}, {@code
 * message-deleted}, {@code message-chunk}). {@code threadId} is accepted wherever {@code
 * conversationId} is.
 */
public final class ConversationFunctions implements FunctionModule {

  /** Read by everything about one conversation: its messages, members and title. */
  static final String CONVERSATION = "conversation";
  /** Read by a user's conversation list. */
  static final String CONVERSATIONS_OF = "conversationsOf";

  static final int MAX_MEMBERS = 1000;
  static final int MAX_PAGE = 200;
  static final int MAX_AFTER = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ConversationStore store;
  /** The store's member sets, kept between calls (on a single node; see {@link MemberCache}). */
  private final MemberCache members;
  private final RoomRegistry rooms;
  private final RateLimiter limiter;
  private final Changes changes;
  private final LiveEvents live;
  private final Ids ids;
  private final OfflinePush offline;
  private final MessageStreams streams;

  public ConversationFunctions(ConversationStore store, RoomRegistry rooms, RateLimiter limiter,
      Changes changes, LiveEvents live, Ids ids, OfflinePush offline, ExpiryScheduler expiry,
      DurableWrites writes) {
    this.members = new MemberCache(store);
    this.store = members; // every write of members goes through it, and drops what it holds
    this.rooms = rooms;
    this.limiter = limiter;
    this.changes = changes;
    this.live = live;
    this.ids = ids;
    this.offline = offline;
    this.streams = new MessageStreams(this.store, expiry, writes, changes, live);
  }

  /**
   * Whether this node makes every write of conversations and messages (on by default; off in a
   * cluster, where other nodes add and remove members and take streams over). Only then are
   * membership checks answered from member sets kept in memory ({@link MemberCache}), and the
   * text of a streamed message this node holds taken from its memory rather than read back.
   */
  public void singleNode(boolean on) {
    singleNode = on;
    members.enabled(on);
  }

  private volatile boolean singleNode = true;

  MemberCache memberCache() {
    return members;
  }

  /** The streams in progress on this node. */
  public MessageStreams streams() {
    return streams;
  }

  /**
   * Whether {@code userId} belongs to the conversation; empty when no such conversation exists
   * (so a caller can fall back to another rule). Blocking.
   */
  public Optional<Boolean> membership(String appId, String conversationId, String userId) {
    if (store.find(appId, conversationId).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(store.isMember(appId, conversationId, userId));
  }

  /**
   * The newest {@code limit} messages of a conversation the caller may read, oldest first (a
   * thread as chat apps render it whole).
   */
  public List<Message> recent(Call call, String conversationId, int limit) {
    requireMember(call, conversationId);
    List<Message> newest = new ArrayList<>(store.latest(call.appId(), conversationId, limit,
        Optional.empty()));
    java.util.Collections.reverse(newest);
    return newest;
  }

  /** The ids of {@code userId}'s conversations with a message streaming now. */
  public List<String> generating(Call call, String userId) {
    call.read(CONVERSATIONS_OF, userId);
    return store.streamingConversations(call.appId(), userId);
  }

  @Override
  public List<FunctionDefinition> definitions() {
    Validator self = Validator.optional(Validator.userId());
    Validator conv = Validator.optional(Validator.id());
    Validator members = Validator.optional(Validator.array(Validator.userId(), MAX_MEMBERS));
    // the body limit is the app's (max_message_bytes), checked in the body; this only bounds it
    Validator body = Validator.text(16 * 1024 * 1024);
    Map<String, Validator> create = new LinkedHashMap<>();
    create.put("title", Validator.optional(Validator.text(500)));
    create.put("memberIds", members);
    create.put("conversationId", conv);
    create.put("threadId", conv);
    create.put("userId", self);
    return List.of(
        FunctionDefinition.mutation("conversations:create", Access.USER, create, true, this::create),
        FunctionDefinition.query("conversations:get", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "userId", self), true, this::get),
        FunctionDefinition.mutation("conversations:addMembers", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "memberIds", members,
            "userIds", members, "userId", self), true, this::addMembers),
        FunctionDefinition.mutation("conversations:removeMember", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "memberId", Validator.userId(),
            "userId", self), true, this::removeMember),
        FunctionDefinition.mutation("conversations:leave", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "userId", self), true, this::leave),
        FunctionDefinition.mutation("conversations:update", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "title", Validator.text(500),
            "userId", self), true, this::update),
        FunctionDefinition.query("conversations:listMine", Access.USER,
            PageRequest.arguments(Map.of("userId", self)), true, this::listMine),
        FunctionDefinition.mutation("messages:send", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "content", body,
            "clientMessageId", Validator.optional(Validator.string(128)), "userId", self), true,
            this::send),
        FunctionDefinition.mutation("messages:add", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "content", body,
            "role", Validator.optional(Validator.string(32)),
            "clientMessageId", Validator.optional(Validator.string(128)), "userId", self), true,
            this::add),
        FunctionDefinition.mutation("messages:edit", Access.USER, Map.of(
            "messageId", Validator.id(), "content", body, "userId", self), true, this::edit),
        FunctionDefinition.mutation("messages:delete", Access.USER, Map.of(
            "messageId", Validator.id(), "userId", self), true, this::delete),
        FunctionDefinition.query("messages:list", Access.USER, PageRequest.arguments(Map.of(
            "conversationId", conv, "threadId", conv, "userId", self)), true, this::list),
        FunctionDefinition.query("messages:listAfter", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv, "afterSeq", Validator.number(),
            "limit", Validator.optional(Validator.number()), "userId", self), true, this::listAfter),
        FunctionDefinition.mutation("messages:startStream", Access.USER, Map.of(
            "conversationId", conv, "threadId", conv,
            "role", Validator.optional(Validator.string(32)),
            "content", Validator.optional(body),
            "clientMessageId", Validator.optional(Validator.string(128)), "userId", self), true,
            this::startStream),
        FunctionDefinition.mutation("messages:appendStream", Access.USER, Map.of(
            "messageId", Validator.id(), "text", Validator.optional(body),
            "content", Validator.optional(body), "userId", self), true, this::appendStream)
            .blockingWhen(this::appendBlocks),
        FunctionDefinition.mutation("messages:finishStream", Access.USER, Map.of(
            "messageId", Validator.id(), "status", Validator.optional(Validator.literal("done", "error")),
            "text", Validator.optional(body), "content", Validator.optional(body), "userId", self),
            true, this::finishStream),
        FunctionDefinition.query("messages:getStreaming", Access.USER, Map.of(
            "conversationId", conv, "userId", self), true, this::getStreaming));
  }

  // ------------------------------------------------------------------ conversations

  private JsonNode create(Call call) {
    Optional<String> creator = call.optActingUser();
    Set<String> memberIds = new LinkedHashSet<>();
    creator.ifPresent(memberIds::add);
    call.args().optStrings("memberIds").ifPresent(memberIds::addAll);
    if (memberIds.isEmpty()) {
      throw new ArgumentValidationException("a conversation needs a member: pass `memberIds` "
          + "(or `userId`, the user the backend creates it for)");
    }
    if (memberIds.size() > MAX_MEMBERS) {
      throw FunctionException.limitReached("a conversation has at most " + MAX_MEMBERS + " members");
    }
    creator.ifPresent(u -> rateLimit(call, u));
    Optional<String> given = optConversation(call);
    String id = given.orElseGet(() -> ids.next(call.now()));
    Conversation c = new Conversation(id, call.args().optString("title").orElse(""),
        creator.orElse(""), call.now(), 0, ids.next(call.now()), call.now());
    List<String> list = new ArrayList<>(memberIds);
    if (!store.create(call.appId(), c, list, call.now())) {
      throw FunctionException.conflict("conversation '" + id + "' already exists");
    }
    register(call, id, list);
    changes.changed(memberKeys(call.appId(), list));
    ObjectNode out = c.toJson();
    ArrayNode m = out.putArray("memberIds");
    list.forEach(m::add);
    return out;
  }

  private JsonNode get(Call call) {
    Conversation c = requireMember(call, conversation(call));
    ObjectNode out = c.toJson();
    ArrayNode m = out.putArray("memberIds");
    store.members(call.appId(), c.id()).forEach(m::add);
    return out;
  }

  private JsonNode addMembers(Call call) {
    String id = conversation(call);
    requireMember(call, id);
    Set<String> wanted = new LinkedHashSet<>();
    call.args().optStrings("memberIds").ifPresent(wanted::addAll);
    call.args().optStrings("userIds").ifPresent(wanted::addAll);
    if (wanted.isEmpty()) {
      throw new ArgumentValidationException("pass the users to add in `memberIds`");
    }
    if (store.members(call.appId(), id).size() + wanted.size() > MAX_MEMBERS) {
      throw FunctionException.limitReached("a conversation has at most " + MAX_MEMBERS + " members");
    }
    List<String> added = store.addMembers(call.appId(), id, new ArrayList<>(wanted), call.now());
    register(call, id, added);
    List<DependencyKey> keys = new ArrayList<>(memberKeys(call.appId(), added));
    keys.add(conversationKey(call, id));
    changes.changed(keys);
    ArrayNode out = NODES.arrayNode();
    added.forEach(out::add);
    return out;
  }

  private JsonNode removeMember(Call call) {
    String id = conversation(call);
    Conversation c = requireMember(call, id);
    String member = call.args().string("memberId");
    Optional<String> me = call.endUser();
    if (me.isPresent() && !me.get().equals(member) && !me.get().equals(c.createdBy())) {
      throw FunctionException.forbidden("only the conversation's creator removes other members; "
          + "user '" + me.get() + "' may leave (conversations:leave)");
    }
    return NODES.booleanNode(remove(call, id, member));
  }

  private JsonNode leave(Call call) {
    String id = conversation(call);
    String user = call.actingUser();
    if (!call.caller().trusted()) {
      requireMember(call, id);
    }
    return NODES.booleanNode(remove(call, id, user));
  }

  private boolean remove(Call call, String id, String member) {
    boolean removed = store.removeMember(call.appId(), id, member);
    if (removed) {
      if (!call.app().functions().openRooms()) {
        rooms.unregister(call.appId(), id, member);
        roomRegistryChanged(call, id);
      }
      // live queries on the conversation run again for the removed user (and now refuse it), and
      // its subscriptions to the conversation's channel end
      changes.changed(List.of(conversationKey(call, id),
          DependencyKey.of(call.appId(), CONVERSATIONS_OF, member)));
      live.endConversationAccess(call.app(), id, member);
    }
    return removed;
  }

  private JsonNode update(Call call) {
    String id = conversation(call);
    requireMember(call, id);
    String title = call.args().string("title");
    store.updateTitle(call.appId(), id, title);
    List<String> members = store.members(call.appId(), id);
    List<DependencyKey> keys = new ArrayList<>(memberKeys(call.appId(), members));
    keys.add(conversationKey(call, id));
    changes.changed(keys);
    Conversation c = store.find(call.appId(), id).orElseThrow();
    live.toConversation(call.app(), id, "conversation-updated", c.toJson());
    return c.toJson();
  }

  private JsonNode listMine(Call call) {
    String user = call.actingUser();
    call.read(CONVERSATIONS_OF, user);
    PageRequest page = PageRequest.of(call.args(), 20, 100);
    List<ConversationStore.Listed> listed = store.listMine(call.appId(), user, page.fetch(),
        page.cursor());
    // unread counts move with the read watermark (readReceipts:markChatroomRead)
    listed.forEach(l -> call.read("receipts", l.conversation().id()));
    return page.result(listed, l -> l.conversation().activityKey(), l -> {
      ObjectNode n = l.conversation().toJson();
      n.set("lastMessage", l.lastMessage().<JsonNode>map(Message::toJson).orElse(NODES.nullNode()));
      n.put("unreadCount", (double) l.unread());
      return n;
    });
  }

  // ------------------------------------------------------------------ messages

  private JsonNode send(Call call) {
    String id = conversation(call);
    String author = call.actingUser();
    Conversation c = requireMember(call, id);
    return store(call, c, author, "user", content(call, "content"), Message.SENT).message().toJson();
  }

  private JsonNode add(Call call) {
    String id = conversation(call);
    Conversation c = requireMember(call, id);
    String author = call.optActingUser().orElse("");
    String role = role(call, "user");
    return store(call, c, author, role, content(call, "content"), Message.SENT).message().toJson();
  }

  /** {@code role}: any for the backend, only {@code user} for an end user. */
  private static String role(Call call, String fallback) {
    String role = call.args().optString("role").orElse(fallback);
    if (!call.caller().trusted() && !"user".equals(role)) {
      throw FunctionException.forbidden("only the app's backend adds messages with role '" + role
          + "'; an end user's messages have role 'user'");
    }
    return role;
  }

  /** Stores a new message (once per idempotency key) and tells everyone. */
  private ConversationStore.Appended store(Call call, Conversation c, String author, String role, String content,
      String status) {
    if (!author.isEmpty()) {
      rateLimit(call, author);
    }
    Message m = new Message(ids.next(call.now()), c.id(), 0, author, role, content, status,
        call.now(), call.now(), 0, 0);
    Optional<String> key = call.args().optString("clientMessageId").map(k -> "c:" + k)
        .or(() -> call.requestKey().map(k -> "r:" + k));
    List<String> members = store.members(call.appId(), c.id());
    List<PushIntent> pushes = new ArrayList<>();
    if (Message.SENT.equals(status) && !content.isEmpty()) {
      for (String member : members) {
        if (!member.equals(author)) {
          offline.intent(call.app(), member, m.id(), pushContent(c, m), call.now())
              .ifPresent(pushes::add);
        }
      }
    }
    ConversationStore.Appended stored = store.append(call.appId(), m, key, pushes);
    if (!stored.created()) {
      return stored; // a retry: stored the first time
    }
    if (!pushes.isEmpty()) {
      offline.stored(call.app());
    }
    List<DependencyKey> keys = new ArrayList<>(memberKeys(call.appId(), members));
    keys.add(conversationKey(call, c.id()));
    changes.changed(keys);
    live.toConversation(call.app(), c.id(), "new-message", stored.message().toJson());
    return stored;
  }

  private static PushContent pushContent(Conversation c, Message m) {
    String body = m.content().length() > 500 ? m.content().substring(0, 500) + "…" : m.content();
    String data = NODES.objectNode().put("conversationId", c.id()).put("messageId", m.id())
        .put("seq", m.seq()).toString();
    String from = m.authorId().isEmpty() ? m.role() : m.authorId();
    return new PushContent(c.title().isEmpty() ? from : c.title() + " · " + from, body, data, "");
  }

  private JsonNode edit(Call call) {
    Message m = ownMessage(call);
    if (m.deleted() || m.streaming()) {
      throw FunctionException.conflict("message '" + m.id() + "' is "
          + (m.deleted() ? "deleted" : "streaming") + " and cannot be edited");
    }
    String content = content(call, "content");
    store.updateContent(call.appId(), m.id(), content, call.now());
    Message edited = store.message(call.appId(), m.id()).orElseThrow();
    changedMessage(call, edited, "message-updated", edited.toJson());
    return edited.toJson();
  }

  private JsonNode delete(Call call) {
    Message m = ownMessage(call);
    if (m.streaming()) {
      streams.finish(call.app(), m, "error", Optional.empty(), call.now());
    }
    if (store.delete(call.appId(), m.id(), call.now())) {
      changedMessage(call, m, "message-deleted", NODES.objectNode().put("messageId", m.id())
          .put("conversationId", m.conversationId()).put("seq", m.seq()));
    } else if (store.message(call.appId(), m.id()).map(Message::streaming).orElse(false)) {
      // its end by another call is not stored yet (the store deletes no streaming message)
      throw FunctionException.conflict("message '" + m.id() + "' is still streaming; try again");
    }
    return NODES.nullNode();
  }

  private void changedMessage(Call call, Message m, String event, JsonNode data) {
    List<DependencyKey> keys = new ArrayList<>(memberKeys(call.appId(),
        store.members(call.appId(), m.conversationId())));
    keys.add(conversationKey(call, m.conversationId()));
    changes.changed(keys);
    live.toConversation(call.app(), m.conversationId(), event, data);
  }

  /** A message the caller may change: its own (the backend: any), in a conversation it is in. */
  private Message ownMessage(Call call) {
    String id = call.args().string("messageId");
    Message m = store.message(call.appId(), id)
        .orElseThrow(() -> FunctionException.notFound("message '" + id + "'"));
    requireMember(call, m.conversationId());
    if (call.caller().trusted()) {
      call.args().optString("userId").ifPresent(u -> requireAuthor(m, u));
    } else {
      requireAuthor(m, call.actingUser());
    }
    return m;
  }

  private static void requireAuthor(Message m, String user) {
    if (!m.authorId().equals(user)) {
      throw FunctionException.forbidden("message '" + m.id() + "' is not user '" + user + "''s");
    }
  }

  private JsonNode list(Call call) {
    String id = conversation(call);
    requireAccess(call, id);
    PageRequest page = PageRequest.of(call.args(), 50, MAX_PAGE);
    // every member's page with the same bounds is the same: read and built once per round
    return call.shared(List.of("messages:list", call.appId(), id, page), () -> {
      // a page with an end (a live page, or one split) needs nothing older than one message
      // below its end (which tells whether more follow), however many the conversation holds
      Optional<Long> from = SeqCursor.parse(page.endCursor()).map(end -> Math.max(0, end - 1));
      List<Message> fetched = store.latest(call.appId(), id, page.fetch(),
          SeqCursor.parse(page.cursor()), from);
      return page.result(fetched, m -> SeqCursor.of(m.seq()), Message::toJson);
    });
  }

  private JsonNode listAfter(Call call) {
    String id = conversation(call);
    requireAccess(call, id);
    double after = call.args().number("afterSeq");
    if (after != Math.rint(after) || after < 0) {
      throw new ArgumentValidationException("afterSeq must be a whole number of at least 0");
    }
    int limit = PageRequest.limit(call.args(), 100, MAX_AFTER);
    ArrayNode out = NODES.arrayNode();
    store.after(call.appId(), id, (long) after, limit).forEach(m -> out.add(m.toJson()));
    return out;
  }

  // ------------------------------------------------------------------ streaming

  private JsonNode startStream(Call call) {
    String id = conversation(call);
    Conversation c = requireMember(call, id);
    String author = call.optActingUser().orElse("");
    String role = role(call, call.caller().trusted() ? "assistant" : "user");
    String initial = call.args().optString("content").orElse("");
    checkStreamSize(call.app(), initial);
    ConversationStore.Appended stored = store(call, c, author, role, initial, Message.STREAMING);
    if (stored.created()) {
      streams.started(call.app(), stored.message(), call.now());
    }
    return stored.message().toJson();
  }

  /**
   * Whether an {@code appendStream} call may block: not for a stream this node holds (the chunk
   * is appended in memory, on the event loop that received it, with no thread hand-off), else it
   * reads the store or waits for the node holding it.
   */
  public boolean appendBlocks(App app, JsonNode args) {
    JsonNode id = args == null ? null : args.get("messageId");
    return id == null || !id.isTextual() || streams.authorOf(app.id(), id.textValue()).isEmpty();
  }

  private JsonNode appendStream(Call call) {
    String id = call.args().string("messageId");
    String chunk = call.args().optString("text").or(() -> call.args().optString("content"))
        .orElseThrow(() -> new ArgumentValidationException("pass the chunk in `text`"));
    Optional<String> heldAuthor = streams.authorOf(call.appId(), id);
    long[] r;
    if (heldAuthor.isPresent()) {
      checkStreamer(call, id, heldAuthor.get());
      // ended between the two looks (finished or timed out here): refused as an ended stream,
      // without the store (this may run on an event loop: appendBlocks said it was held)
      r = streams.appendHeld(call.app(), id, chunk, call.now()).orElseThrow(() ->
          FunctionException.conflict("message '" + id + "' is no longer streaming"));
    } else {
      r = appendStored(call, id, chunk);
    }
    return NODES.objectNode().put("messageId", id).put("seq", r[0]).put("length", r[1]);
  }

  /** A chunk for a stream this node does not hold (after a restart): read from the store. */
  private long[] appendStored(Call call, String id, String chunk) {
    Message m = streamingMessage(call, id);
    return streams.append(call.app(), m, chunk, call.now());
  }

  private Message streamingMessage(Call call, String id) {
    Message m = store.message(call.appId(), id)
        .orElseThrow(() -> FunctionException.notFound("message '" + id + "'"));
    checkStreamer(call, id, m.authorId());
    if (!m.streaming()) {
      throw FunctionException.conflict("message '" + id + "' is not streaming (status " + m.status() + ")");
    }
    return m;
  }

  /** Only the stream's author (or the backend) writes it. */
  private static void checkStreamer(Call call, String messageId, String author) {
    if (call.caller().trusted()) {
      return;
    }
    String me = call.actingUser();
    if (!me.equals(author)) {
      throw FunctionException.forbidden("message '" + messageId + "' is streamed by "
          + (author.isEmpty() ? "the app's backend" : "user '" + author + "'") + ", not user '" + me + "'");
    }
  }

  private JsonNode finishStream(Call call) {
    String id = call.args().string("messageId");
    Message m = store.message(call.appId(), id)
        .orElseThrow(() -> FunctionException.notFound("message '" + id + "'"));
    checkStreamer(call, id, m.authorId());
    String status = call.args().optString("status").orElse("done");
    Optional<String> last = call.args().optString("text").or(() -> call.args().optString("content"));
    if (m.streaming() && streams.finish(call.app(), m, status, last, call.now())) {
      Message done = store.message(call.appId(), id).orElseThrow();
      changedMessage(call, done, "message-updated", done.toJson());
      return done.toJson();
    }
    return store.message(call.appId(), id).orElseThrow().toJson(); // already ended: a retry
  }

  private JsonNode getStreaming(Call call) {
    String id = conversation(call);
    requireAccess(call, id);
    return call.shared(List.of("messages:getStreaming", call.appId(), id), () -> {
      ArrayNode out = NODES.arrayNode();
      streamingNow(call.appId(), id).forEach(m -> out.add(m.toJson()));
      return out;
    });
  }

  /**
   * The conversation's streaming messages as stored. On a single node, when this node holds
   * every one of them, only their ids are read: each message is the copy its holder keeps of
   * what it last stored ({@link MessageStreams#storedCopy}), the same row without reading its
   * text back. Otherwise (a stream not held here: after a restart, or just started or ended)
   * they are read whole.
   */
  private List<Message> streamingNow(String appId, String id) {
    if (!singleNode) {
      return store.streaming(appId, id);
    }
    List<String> ids = store.streamingIds(appId, id);
    List<Message> out = new ArrayList<>(ids.size());
    for (String messageId : ids) {
      Optional<Message> held = streams.storedCopy(appId, messageId);
      if (held.isEmpty() || !held.get().conversationId().equals(id)) {
        return store.streaming(appId, id);
      }
      out.add(held.get());
    }
    return out;
  }

  // ------------------------------------------------------------------ helpers

  /** The conversation a call names, by {@code conversationId} or {@code threadId}. */
  static String conversation(Call call) {
    return optConversation(call).orElseThrow(() -> new ArgumentValidationException(
        "Object is missing the required field `conversationId` (or `threadId`)"));
  }

  private static Optional<String> optConversation(Call call) {
    Optional<String> conv = call.args().optString("conversationId");
    Optional<String> thread = call.args().optString("threadId");
    if (conv.isPresent() && thread.isPresent() && !conv.get().equals(thread.get())) {
      throw new ArgumentValidationException("`conversationId` and `threadId` name different "
          + "conversations; pass one");
    }
    return conv.or(() -> thread);
  }

  /**
   * The conversation, if the caller may read and write it: a member, or the app's backend. A
   * conversation that does not exist is refused as one the caller is not in.
   */
  Conversation requireMember(Call call, String id) {
    call.read(CONVERSATION, id);
    Optional<Conversation> c = call.shared(List.of("conversation", call.appId(), id),
        () -> store.find(call.appId(), id));
    refuseUnlessMember(call, id, c.isPresent(), user -> isMember(call, id, user));
    return c.get();
  }

  /**
   * As {@link #requireMember}, for a function that needs only the right to read the conversation,
   * not its row: whether it exists and its members come from {@link MemberCache} (on a single
   * node, from memory after the first read), once per live-query round for all its watchers. The
   * same refusals as {@link #requireMember}, and the same dependency key.
   */
  void requireAccess(Call call, String id) {
    call.read(CONVERSATION, id);
    Optional<Set<String>> members = call.shared(List.of("conversation:access", call.appId(), id),
        () -> this.members.access(call.appId(), id));
    refuseUnlessMember(call, id, members.isPresent(), user -> members.get().contains(user));
  }

  /**
   * The refusals of {@link #requireMember} and {@link #requireAccess}: the app's backend is
   * refused only a conversation that does not exist ({@code NOT_FOUND}); an end user one that
   * does not exist or that it is not a member of ({@code FORBIDDEN}, the same for both, so a
   * conversation's existence is not told to outsiders); a call with neither, as unauthenticated.
   * {@code member} is asked only when the conversation exists.
   */
  private static void refuseUnlessMember(Call call, String id, boolean exists,
      java.util.function.Predicate<String> member) {
    if (call.caller().trusted()) {
      if (!exists) {
        throw FunctionException.notFound("conversation '" + id + "'");
      }
      return;
    }
    String user = call.endUser().orElseThrow(() -> FunctionException.unauthenticated(
        "conversations need a signed-in user (Authorization: Bearer <JWT>)"));
    if (!exists || !member.test(user)) {
      throw FunctionException.forbidden("user '" + user + "' is not a member of conversation '"
          + id + "'");
    }
  }

  /**
   * Whether the user is a member: in a live-query round the members are read once for all the
   * watchers of the conversation; otherwise the one row is looked up.
   */
  private boolean isMember(Call call, String id, String user) {
    if (!call.sharesReads()) {
      return store.isMember(call.appId(), id, user);
    }
    Set<String> members = call.shared(List.of("conversation:members", call.appId(), id),
        () -> store.memberSet(call.appId(), id));
    return members.contains(user);
  }

  private static String content(Call call, String name) {
    String content = call.args().string(name);
    int max = call.app().messages().maxMessageBytes();
    int bytes = content.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > max) {
      throw FunctionException.limitReached("a message holds at most " + max
          + " bytes (max_message_bytes), this one " + bytes);
    }
    return content;
  }

  private static void checkStreamSize(App app, String text) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > app.messages().maxStreamBytes()) {
      throw FunctionException.limitReached("a streamed message holds at most "
          + app.messages().maxStreamBytes() + " bytes (max_stream_bytes)");
    }
  }

  private void rateLimit(Call call, String user) {
    limiter.acquire(call, "messages", user, call.app().messages().messagesPerSecond(),
        "user '" + user + "' may send messages");
  }

  /** In an app with closed rooms, a conversation's members may enter its room (typing, receipts). */
  private void register(Call call, String id, Collection<String> users) {
    if (call.app().functions().openRooms() || users.isEmpty()) {
      return;
    }
    users.forEach(u -> rooms.register(call.appId(), id, u));
    roomRegistryChanged(call, id);
  }

  private void roomRegistryChanged(Call call, String room) {
    changes.changed(List.of(DependencyKey.of(call.appId(), "roomRegistry", room),
        DependencyKey.of(call.appId(), "room", room),
        DependencyKey.of(call.appId(), "registeredRooms", "*")));
  }

  private static DependencyKey conversationKey(Call call, String id) {
    return DependencyKey.of(call.appId(), CONVERSATION, id);
  }

  static List<DependencyKey> memberKeys(String appId, Collection<String> users) {
    List<DependencyKey> keys = new ArrayList<>(users.size());
    users.forEach(u -> keys.add(DependencyKey.of(appId, CONVERSATIONS_OF, u)));
    return keys;
  }
}
