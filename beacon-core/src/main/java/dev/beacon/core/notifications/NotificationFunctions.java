package dev.beacon.core.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.PageRequest;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.outbox.OfflinePush;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.store.Ids;
import dev.beacon.protocol.convex.ConvexValues;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code notifications:*}: durable per-user notifications, stored before the call returns and
 * delivered live on the user's {@code private-user-} channel. A user reads and marks only its own.
 */
public final class NotificationFunctions implements FunctionModule {

  static final int MAX_PAGE = 100;

  /**
   * Read by every notification query: changed when a retention pass removed notifications, so
   * live subscribers stop showing them.
   */
  public static final String EXPIRY = "notificationExpiry";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final NotificationStore store;
  private final Changes changes;
  private final LiveEvents live;
  private final Ids ids;
  private final OfflinePush offline;

  /** @param offline decides which notifications also become a push, stored with them */
  public NotificationFunctions(NotificationStore store, Changes changes, LiveEvents live, Ids ids,
      OfflinePush offline) {
    this.store = store;
    this.changes = changes;
    this.live = live;
    this.ids = ids;
    this.offline = offline;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("notifications:pushNotification", Access.USER, Map.of(
            "userId", Validator.userId(),
            "type", Validator.string(100),
            "title", Validator.string(500),
            "body", Validator.optional(Validator.text(5000)),
            "data", Validator.optional(Validator.any(8 * 1024))), true, this::push),
        FunctionDefinition.mutation("notifications:markAsRead", Access.USER, Map.of(
            "notificationId", Validator.string(64),
            "userId", Validator.optional(Validator.userId())), true, this::markAsRead),
        FunctionDefinition.mutation("notifications:markAllAsRead", Access.USER, Map.of(
            "userId", Validator.optional(Validator.userId())), true, this::markAllAsRead),
        FunctionDefinition.query("notifications:subscribeToNotifications", Access.USER,
            PageRequest.arguments(Map.of(
                "unreadOnly", Validator.optional(Validator.bool()),
                "userId", Validator.optional(Validator.userId()))), true, this::list),
        FunctionDefinition.query("notifications:getUnreadCount", Access.USER, Map.of(
            "userId", Validator.optional(Validator.userId())), true, this::unreadCount));
  }

  private JsonNode push(Call call) {
    // the backend may notify anyone; an end user only itself (the backend decides who may
    // notify whom, so end users cannot spam each other)
    String user = call.actingUser();
    String data = call.args().optValue("data").map(ConvexValues::toJsonText).orElse("null");
    Notification n = new Notification(ids.next(call.now()), user, call.args().string("type"),
        call.args().string("title"), call.args().optString("body").orElse(""), data, call.now(), 0);
    Optional<PushIntent> push = offline.intent(call.app(), user, n.id(), new PushContent(n.title(),
        n.body(), data, call.args().optValue("data").map(d -> d.path("url"))
            .filter(JsonNode::isTextual).map(JsonNode::textValue).orElse("")), call.now());
    String id = store.insert(call.appId(), n, call.requestKey(), push);
    if (!id.equals(n.id())) {
      return NODES.textNode(id); // a retried request: stored the first time
    }
    if (push.isPresent()) {
      offline.stored(call.app());
    }
    changed(call, user);
    live.toUser(call.app(), user, "notification", n.toJson());
    return NODES.textNode(n.id());
  }

  private JsonNode markAsRead(Call call) {
    String user = call.actingUser();
    String id = call.args().string("notificationId");
    Optional<Notification> n = store.find(call.appId(), id);
    if (n.isEmpty() || !n.get().userId().equals(user)) {
      // another user's notification is reported exactly like a missing one
      throw FunctionException.notFound("notification '" + id + "'");
    }
    if (store.markRead(call.appId(), user, id, call.now())) {
      changed(call, user);
      live.toUser(call.app(), user, "notification-read", NODES.objectNode()
          .set("ids", NODES.arrayNode().add(id)));
    }
    return NODES.nullNode();
  }

  private JsonNode markAllAsRead(Call call) {
    String user = call.actingUser();
    int count = store.markAllRead(call.appId(), user, call.now());
    if (count > 0) {
      changed(call, user);
      live.toUser(call.app(), user, "notification-read", NODES.objectNode()
          .put("all", true).put("count", count));
    }
    return NODES.numberNode(count);
  }

  private JsonNode list(Call call) {
    String user = call.actingUser();
    call.read("notifications", user);
    call.read(EXPIRY, "*");
    PageRequest page = PageRequest.of(call.args(), 20, MAX_PAGE);
    boolean unreadOnly = call.args().bool("unreadOnly", false);
    return page.result(store.latest(call.appId(), user, page.fetch(), page.cursor(), unreadOnly),
        Notification::id, Notification::toJson);
  }

  private JsonNode unreadCount(Call call) {
    String user = call.actingUser();
    call.read("notifications", user);
    call.read(EXPIRY, "*");
    return NODES.numberNode((double) store.unreadCount(call.appId(), user));
  }

  private void changed(Call call, String user) {
    changes.changed(List.of(DependencyKey.of(call.appId(), "notifications", user)));
  }
}
