package dev.beacon.core.activity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.PageRequest;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.social.FriendGraph;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.social.Visibility;
import dev.beacon.core.store.Ids;
import dev.beacon.protocol.convex.ConvexValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code friendActivity:*}: what users did, kept for the app's activity TTL (24 h by default),
 * read as a feed of the caller's friends (or of given users it may see) and pushed live to the
 * actor's followers as {@code activity} events on their {@code private-user-} channels.
 */
public final class ActivityFunctions implements FunctionModule {

  static final int MAX_PAGE = 100;
  static final int MAX_USERS = 1000;

  /**
   * Read by every activity feed: changed when a retention pass removed activity, so live feeds
   * stop showing it.
   */
  public static final String EXPIRY = "activityExpiry";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ActivityStore store;
  private final FriendGraph friends;
  private final Visibility visibility;
  private final Changes changes;
  private final LiveEvents live;
  private final Ids ids;

  public ActivityFunctions(ActivityStore store, FriendGraph friends, Visibility visibility,
      Changes changes, LiveEvents live, Ids ids) {
    this.store = store;
    this.friends = friends;
    this.visibility = visibility;
    this.changes = changes;
    this.live = live;
    this.ids = ids;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("friendActivity:recordActivity", Access.USER, Map.of(
            "type", Validator.string(100),
            "data", Validator.optional(Validator.any(8 * 1024)),
            "userId", Validator.optional(Validator.userId())), true, this::record),
        FunctionDefinition.query("friendActivity:getFriendActivityFeed", Access.USER,
            PageRequest.arguments(Map.of(
                "friendIds", Validator.optional(Validator.array(Validator.userId(), MAX_USERS)),
                "userId", Validator.optional(Validator.userId()))), true, this::feed),
        FunctionDefinition.query("friendActivity:hasNewActivity", Access.USER, Map.of(
            "since", Validator.number(),
            "friendIds", Validator.optional(Validator.array(Validator.userId(), MAX_USERS)),
            "userId", Validator.optional(Validator.userId())), true, this::hasNew));
  }

  private JsonNode record(Call call) {
    String user = call.actingUser();
    Activity a = new Activity(ids.next(call.now()), user, call.args().string("type"),
        call.args().optValue("data").map(ConvexValues::toJsonText).orElse("null"), call.now());
    String id = store.insert(call.appId(), a, call.requestKey());
    if (!id.equals(a.id())) {
      return NODES.textNode(id); // a retried request: stored the first time
    }
    changes.changed(List.of(DependencyKey.of(call.appId(), "activity", user)));
    ObjectNode json = a.toJson();
    for (String follower : friends.followersOf(call.appId(), user)) {
      live.toUser(call.app(), follower, "activity", json);
    }
    return NODES.textNode(a.id());
  }

  /** The users whose activity the call reads: given ids it may see, or the registered friends. */
  private List<String> subjects(Call call) {
    Optional<List<String>> given = call.args().optStrings("friendIds");
    String viewer = call.optActingUser().orElse(null);
    if (given.isPresent()) {
      List<String> visible = new ArrayList<>();
      for (String id : given.get()) {
        if (visibility.canSee(call, id)) {
          visible.add(id);
        }
      }
      return visible;
    }
    if (viewer == null) {
      throw new dev.beacon.core.functions.ArgumentValidationException(
          "Object is missing the required field `friendIds` (or `userId` for the backend)");
    }
    call.read("friends", viewer);
    return friends.friendsOf(call.appId(), viewer);
  }

  private long since(Call call) {
    return call.now() - call.app().functions().activityTtlHours() * 3_600_000L;
  }

  private JsonNode feed(Call call) {
    List<String> users = subjects(call);
    users.forEach(u -> call.read("activity", u));
    call.read(EXPIRY, "*");
    PageRequest page = PageRequest.of(call.args(), 20, MAX_PAGE);
    List<Activity> fetched = users.isEmpty() ? List.of()
        : store.feed(call.appId(), users, since(call), page.cursor(), page.fetch());
    return page.result(fetched, Activity::id, Activity::toJson);
  }

  private JsonNode hasNew(Call call) {
    List<String> users = subjects(call);
    users.forEach(u -> call.read("activity", u));
    call.read(EXPIRY, "*");
    long after = Math.max((long) call.args().number("since"), since(call));
    return NODES.booleanNode(!users.isEmpty() && store.anyAfter(call.appId(), users, after));
  }
}
