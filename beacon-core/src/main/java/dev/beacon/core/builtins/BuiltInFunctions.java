package dev.beacon.core.builtins;

import dev.beacon.core.store.DurableWrites;
import dev.beacon.core.activity.ActivityFunctions;
import dev.beacon.core.activity.ActivityStore;
import dev.beacon.core.app.Apps;
import dev.beacon.core.conversations.ConversationFunctions;
import dev.beacon.core.conversations.ConversationStore;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.functions.RateLimiter;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.notifications.NotificationFunctions;
import dev.beacon.core.notifications.NotificationStore;
import dev.beacon.core.presence.PresenceFunctions;
import dev.beacon.core.presence.PresenceStore;
import dev.beacon.core.presence.UserPresence;
import dev.beacon.core.push.PushFunctions;
import dev.beacon.core.push.PushPolicy;
import dev.beacon.core.push.PushStore;
import dev.beacon.core.receipts.ReceiptFunctions;
import dev.beacon.core.receipts.ReceiptStore;
import dev.beacon.core.rooms.RoomFunctions;
import dev.beacon.core.rooms.RoomPresence;
import dev.beacon.core.shapes.AiChatThreads;
import dev.beacon.core.shapes.ChatConventions;
import dev.beacon.core.shapes.ComponentPresence;
import dev.beacon.core.shapes.ConversationPresence;
import dev.beacon.core.shapes.EventRooms;
import dev.beacon.core.shapes.RoomEvents;
import dev.beacon.core.social.FriendFunctions;
import dev.beacon.core.social.FriendGraph;
import dev.beacon.core.social.FriendStore;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.social.RoomAccess;
import dev.beacon.core.social.RoomRegistry;
import dev.beacon.core.social.Visibility;
import dev.beacon.core.store.Ids;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.typing.TypingFunctions;
import dev.beacon.core.typing.TypingIndicators;
import java.util.concurrent.Executor;

/**
 * Wires the features of SPEC section 4 into one registry: their stores, the shared friend graph,
 * room registry and visibility rule, the expiry scheduler, and the ports to Pusher channels and
 * to live queries, then the drop-in shapes ({@code core/shapes}) that call them. Also hooks
 * user-level and room presence into the hub, so WebSocket users and HTTP heartbeats are one
 * presence model.
 */
public final class BuiltInFunctions {

  /** The stores the features need; the server's JDBC store provides all of them. */
  public interface Stores {
    NotificationStore notifications();

    ReceiptStore receipts();

    ActivityStore activity();

    FriendStore friends();

    RoomRegistry rooms();

    PresenceStore presence();

    PushStore push();

    RoomEvents roomEvents();

    ConversationStore conversations();
  }

  private final Functions functions;
  private final UserPresence userPresence;
  private final RoomPresence roomPresence;
  private final TypingIndicators typing;
  private final RateLimiter limiter;
  private final Retention retention;
  private final PushPolicy push;
  private final ConversationFunctions conversations;
  private final ChannelRules channelRules;

  /** As the full constructor, with durable writes handed to {@code background} one by one. */
  public BuiltInFunctions(Apps apps, Stores stores, ChannelHub hub, LiveEvents live, Changes changes,
      ExpiryScheduler expiry, Executor background) {
    this(apps, stores, hub, live, changes, expiry, background, DurableWrites.on(background));
  }

  /**
   * @param background runs work that may block, that no caller waits for and that may be shed
   *     under overload (loading stored presence, follower notifications); must be bounded
   * @param writes stores what no caller waits for but must not be lost (last-seen times,
   *     statuses, room visits)
   */
  public BuiltInFunctions(Apps apps, Stores stores, ChannelHub hub, LiveEvents live, Changes changes,
      ExpiryScheduler expiry, Executor background, DurableWrites writes) {
    Ids ids = new Ids();
    FriendGraph friends = new FriendGraph(stores.friends(), changes, 100_000);
    RoomAccess access = new RoomAccess(stores.rooms());
    RateLimiter limiter = new RateLimiter(expiry);
    this.limiter = limiter;
    this.roomPresence = new RoomPresence(hub, stores.rooms(), writes, expiry, changes);
    Visibility visibility = new Visibility(friends, stores.rooms(), roomPresence);
    this.userPresence = new UserPresence(apps, stores.presence(), background, writes, expiry, changes, live,
        friends);
    this.typing = new TypingIndicators(expiry, changes, live);
    // offline is what user presence says (its public answer, cluster-wide when clustered)
    this.push = new PushPolicy(userPresence::isOnline);
    RoomFunctions rooms = new RoomFunctions(roomPresence, stores.rooms(), access, visibility,
        limiter, changes, typing);
    this.conversations = new ConversationFunctions(stores.conversations(), stores.rooms(), limiter,
        changes, live, ids, push, expiry, writes);
    this.functions = new Functions(expiry.clock()).register(
        new PresenceFunctions(userPresence, friends, visibility, limiter),
        rooms,
        new TypingFunctions(typing, access, limiter),
        new NotificationFunctions(stores.notifications(), changes, live, ids, push),
        new ReceiptFunctions(stores.receipts(), access, changes, live),
        new ActivityFunctions(stores.activity(), friends, visibility, changes, live, ids),
        new FriendFunctions(friends),
        new PushFunctions(stores.push(), push, changes, ids),
        conversations);
    // the drop-in shapes, after the functions they stand for (the chat conventions last: they
    // add clerkId to every presence function registered before them)
    functions.register(
        new ComponentPresence(apps, functions, rooms, roomPresence, stores.rooms(), access, expiry,
            changes),
        new ConversationPresence(functions, rooms, access, typing, conversations),
        new AiChatThreads(functions, conversations),
        new EventRooms(functions, rooms, access, stores.roomEvents(), changes),
        new ChatConventions(functions, rooms));
    this.channelRules = new ChannelRules(stores.rooms(), conversations);
    this.retention = new Retention(apps, stores.notifications(), stores.activity(), expiry.clock(),
        changes);
    // streams a stopped server left open carry on (or time out) from their stored text
    background.execute(() -> apps.all().forEach(conversations.streams()::resume));
    hub.presenceListener(roomPresence);
    roomPresence.userConnections(userPresence); // an HTTP room member is online, as a subscriber is
  }

  public Functions functions() {
    return functions;
  }

  /**
   * Adds a feature built outside this catalogue (at the server's composition root), before the
   * server serves calls.
   */
  public BuiltInFunctions register(FunctionModule... modules) {
    functions.register(modules);
    return this;
  }

  /** Conversations and messages: who belongs to which conversation (for channel authorization). */
  public ConversationFunctions conversations() {
    return conversations;
  }

  /** Which channels Beacon signs for a signed-in user (its own {@code /pusher/auth}). */
  public ChannelRules channelRules() {
    return channelRules;
  }

  /** Counts WebSocket connections as presence sessions; give it to the Pusher service. */
  public UserPresence userPresence() {
    return userPresence;
  }

  public RoomPresence roomPresence() {
    return roomPresence;
  }

  /** The per-user rate limits of the built-in functions (counted in the cluster when clustered). */
  public RateLimiter rateLimiter() {
    return limiter;
  }

  public TypingIndicators typing() {
    return typing;
  }

  /** Who gets a push; connect it to the dispatcher that sends them. */
  public PushPolicy push() {
    return push;
  }

  /** The periodic clean-up of expired rows; run it on a background thread. */
  public Retention retention() {
    return retention;
  }
}
