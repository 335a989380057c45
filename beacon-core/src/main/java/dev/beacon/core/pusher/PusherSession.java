package dev.beacon.core.pusher;

import dev.beacon.core.app.App;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.hub.Attached;
import dev.beacon.core.hub.ChannelFullException;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.Flushable;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.OverloadedException;
import dev.beacon.core.hub.Subscriber;
import dev.beacon.core.hub.Subscription;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.time.Clock;
import dev.beacon.core.time.TimerWheel;
import dev.beacon.core.webhook.WebhookEvent;
import dev.beacon.protocol.auth.PusherSignatures;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.ChannelType;
import dev.beacon.protocol.pusher.ClientMessage;
import dev.beacon.protocol.pusher.PresenceData;
import dev.beacon.protocol.pusher.PusherCodec;
import dev.beacon.protocol.pusher.PusherError;
import dev.beacon.protocol.pusher.PusherProtocolException;
import dev.beacon.protocol.pusher.ServerMessage;
import dev.beacon.protocol.pusher.UserData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Pusher WebSocket connection: its subscriptions, signed-in user, rate limit and liveness.
 *
 * <p>Confined to its lane's thread: inbound frames, deliveries and timers all run there, so the
 * session needs no locks. Frames it writes are flushed once at the end of each inbound message
 * or lane batch.
 */
public final class PusherSession implements Subscriber, Attached, Flushable, Runnable {

  // Per-connection state is kept small (issue 17): server-wide services and settings are read
  // through the service, not copied into every session, and the usual one subscription and one
  // identity are held in fields, a map made only for a second.
  private final PusherChannels service;
  private final App app;
  private final Lane lane;
  private final PusherTransport transport;
  private final String socketId;
  private final int protocol;
  /**
   * The subscriptions by channel name: null, the one {@link Subscription} most connections hold,
   * or a {@code HashMap<String, Subscription>} once there are two or more.
   */
  private Object subscriptions;
  /** A user this connection acts as (signed in, presence member), and in how many ways. */
  private String identity;
  private int identityCount;
  /** Any further users it acts as, with how many ways; made at the second. */
  private Map<String, Integer> otherIdentities;
  /**
   * The user Beacon's own {@code /pusher/auth} signed a subscription for, by channel (only such
   * subscriptions; made at the first), so that access can be ended for that user alone.
   */
  private Map<String, String> grantedTo;
  /** Made at the first client event: most connections never send one. */
  private TokenBucket clientEventBudget;

  private UserData user;
  private long lastReceived;
  private long pingSentAt = -1;
  private boolean dirty;
  private boolean closing;
  private boolean closed;
  private TimerWheel.Timeout activityTimer;
  private TimerWheel.Timeout signinTimer;

  PusherSession(PusherChannels service, App app, Lane lane, PusherTransport transport,
      String socketId, int protocol) {
    this.service = service;
    this.app = app;
    this.lane = lane;
    this.transport = transport;
    this.socketId = socketId;
    this.protocol = protocol;
    this.lastReceived = lane.clock().millis();
  }

  private ChannelHub hub() {
    return service.hub();
  }

  private Clock clock() {
    return lane.clock();
  }

  private BeaconMetrics metrics() {
    return service.metrics();
  }

  private DebugConsole console() {
    return service.console();
  }

  private long activityTimeoutMillis() {
    return service.settings().activityTimeoutSeconds() * 1000L;
  }

  private long pongTimeoutMillis() {
    return service.settings().pongTimeoutSeconds() * 1000L;
  }

  /** Sends {@code connection_established} and starts the timers. */
  void open() {
    lane.assertOnLane();
    lane.attach(this);
    send(new ServerMessage.ConnectionEstablished(socketId, service.settings().activityTimeoutSeconds()));
    activityTimer = lane.timers().schedule(lastReceived + activityTimeoutMillis(), this);
    if (app.userAuthenticationRequired()) {
      signinTimer = lane.timers().schedule(
          lastReceived + app.signinTimeoutSeconds() * 1000L, this::checkSignedIn);
    }
    lane.flushDirty();
  }

  // ------------------------------------------------------------------ inbound

  /** Handles one text frame from the client. */
  public void onText(String text) {
    lane.assertOnLane();
    if (closing) {
      return;
    }
    received();
    metrics().messageIn(app.id());
    try {
      handle(PusherCodec.decode(text));
    } catch (PusherProtocolException e) {
      sendError(e.code(), e.getMessage());
    }
    lane.flushDirty();
  }

  /** Any sign of life below the Pusher protocol: a WebSocket ping or pong frame. */
  public void onActivity() {
    lane.assertOnLane();
    received();
  }

  /** A binary frame: not part of the protocol. */
  public void onBinary() {
    lane.assertOnLane();
    received();
    sendError(Optional.empty(), "Binary frames are not supported; send JSON text frames");
    lane.flushDirty();
  }

  private void received() {
    lastReceived = clock().millis();
    pingSentAt = -1;
  }

  private void handle(ClientMessage message) {
    if (message instanceof ClientMessage.Ping) {
      send(new ServerMessage.Pong());
    } else if (message instanceof ClientMessage.Pong) {
      // liveness already recorded
    } else if (message instanceof ClientMessage.Subscribe m) {
      subscribe(m);
    } else if (message instanceof ClientMessage.Unsubscribe m) {
      unsubscribe(m.channel());
    } else if (message instanceof ClientMessage.Signin m) {
      signin(m);
    } else if (message instanceof ClientMessage.ClientEvent m) {
      clientEvent(m);
    } else if (message instanceof ClientMessage.Unknown m) {
      sendError(Optional.empty(), "Unsupported event '" + abbreviate(m.event())
          + "': client events must be prefixed 'client-'");
    } else {
      throw new IllegalStateException("unhandled message " + message);
    }
  }

  // ------------------------------------------------------------------ subscriptions

  private void subscribe(ClientMessage.Subscribe m) {
    ChannelName name;
    try {
      name = ChannelName.parse(m.channel());
    } catch (IllegalArgumentException e) {
      subscriptionError(m.channel(), "InvalidChannel", e.getMessage(), 400);
      return;
    }
    Subscription existing = subscription(name.value());
    if (existing != null) {
      // a repeated subscribe (a client re-sending after a hiccup): confirm it again
      if (existing.userId().isPresent() && hub().clustered()) {
        hub().presenceMembers(app, name.value()).thenAccept(members -> lane.submitControl(() -> {
          if (subscription(name.value()) == existing) {
            confirm(name, Optional.of(members));
          }
        }));
        return;
      }
      confirm(name, existing.userId().isPresent()
          ? Optional.of(service.presenceSnapshot(app, name)) : Optional.empty());
      return;
    }
    if (subscriptionCount() >= app.maxSubscriptionsPerConnection()) {
      subscriptionError(name.value(), "LimitReached", "this connection is subscribed to "
          + subscriptionCount() + " channels, the most allowed (max_subscriptions_per_connection)", 429);
      return;
    }
    Optional<PresenceData> presence = Optional.empty();
    if (name.type().requiresSignature()) {
      Optional<String> signed = name.isPresence() ? m.channelData() : Optional.empty();
      String toSign = PusherSignatures.channelStringToSign(socketId, name.value(), signed);
      if (m.auth().isEmpty() || !PusherSignatures.verifyAuth(m.auth().get(), app.key(), app.secret(), toSign)) {
        subscriptionError(name.value(), "AuthError", m.auth().isEmpty()
            ? "Subscription to '" + name.value() + "' needs an auth signature"
            : "Invalid signature: expected HMAC SHA256 hex digest of " + toSign, 401);
        return;
      }
      if (name.isPresence()) {
        if (m.channelData().isEmpty()) {
          subscriptionError(name.value(), "AuthError", "Presence subscription needs channel_data", 400);
          return;
        }
        try {
          presence = Optional.of(PresenceData.parse(m.channelData().get()));
        } catch (IllegalArgumentException e) {
          subscriptionError(name.value(), "AuthError", e.getMessage(), 400);
          return;
        }
        int infoBytes = presence.get().userInfoJson().getBytes(StandardCharsets.UTF_8).length;
        if (infoBytes > app.maxUserInfoBytes()) {
          subscriptionError(name.value(), "LimitReached", "user_info is " + infoBytes
              + " bytes, the limit is " + app.maxUserInfoBytes(), 413);
          return;
        }
      }
    } else if (name.type() == ChannelType.SERVER_TO_USER) {
      String owner = name.serverToUserId().orElseThrow();
      if (user == null || !user.id().equals(owner)) {
        subscriptionError(name.value(), "AuthError",
            "Only a connection signed in as user '" + owner + "' may subscribe to " + name.value(), 401);
        return;
      }
    }
    ChannelHub.Joined joined;
    try {
      joined = hub().subscribe(app, name, this, presence);
    } catch (ChannelFullException e) {
      subscriptionError(name.value(), "LimitReached", e.getMessage(), 403);
      return;
    }
    Subscription sub = joined.subscription();
    putSubscription(name.value(), sub);
    if (name.type().requiresSignature()) {
      service.grants().userOf(app.id(), socketId, name.value(), clock().millis()).ifPresent(u -> {
        if (grantedTo == null) {
          grantedTo = new HashMap<>(2);
        }
        grantedTo.put(name.value(), u);
        service.grants().taken(app.id(), socketId, name.value());
      });
    }
    sub.userId().ifPresent(this::actAs);
    // on a single node the members are known now; in a cluster they come back on this lane
    joined.members().whenComplete((members, error) -> {
      if (subscription(name.value()) != sub) {
        return; // unsubscribed or closed meanwhile
      }
      if (error != null) {
        removeSubscription(name.value());
        sub.userId().ifPresent(this::stopActingAs);
        if (error instanceof ChannelFullException) {
          subscriptionError(name.value(), "LimitReached", error.getMessage(), 403);
        } else {
          subscriptionError(name.value(), "ClusterUnavailable", error.getMessage(), 503);
        }
        return;
      }
      confirm(name, members);
      console().subscribed(app.id(), socketId, name.value(), sub.userId());
      if (name.cache() && !sub.heardLive()) {
        Optional<byte[]> cached = hub().cached(app, name.value());
        if (cached.isPresent()) {
          deliver(cached.get());
        } else {
          send(new ServerMessage.CacheMiss(name.value()));
          if (app.webhooks().wants(WebhookEvent.CACHE_MISS)) {
            // in a cluster the bus answers later; a bus that cannot answer (Redis out of reach)
            // lets the miss be told, if need be once more, rather than not at all
            hub().firstCacheMiss(app, name.value()).whenComplete((first, unknown) -> {
              if (unknown != null || first) {
                service.webhooks().emit(app.id(),
                    WebhookEvent.channel(WebhookEvent.CACHE_MISS, name.value()));
              }
            });
          }
        }
      }
    });
  }

  private void confirm(ChannelName name, Optional<List<ServerMessage.Member>> members) {
    if (members.isPresent()) {
      send(new ServerMessage.PresenceSubscriptionSucceeded(name.value(), members.get()));
    } else {
      send(new ServerMessage.SubscriptionSucceeded(name.value()));
    }
  }

  private void unsubscribe(String channel) {
    Subscription sub = removeSubscription(channel);
    if (grantedTo != null) {
      grantedTo.remove(channel);
    }
    if (sub != null) {
      hub().unsubscribe(app, sub);
      sub.userId().ifPresent(this::stopActingAs);
      console().unsubscribed(app.id(), socketId, channel);
    }
  }

  /**
   * Ends this connection's subscription to {@code channel} if it is {@code userId}'s: signed for
   * that user by Beacon's {@code /pusher/auth}, or held by a connection signed in as the user.
   * The server unsubscribes it and sends {@code pusher:subscription_error} (AuthError, 403).
   */
  void endAccess(String channel, String userId, String reason) {
    lane.assertOnLane();
    if (closing || subscription(channel) == null) {
      return;
    }
    String owner = grantedTo == null ? null : grantedTo.get(channel);
    if (owner == null) {
      // signed on another node whose grant came after the subscription, or by the app's own route
      owner = service.grants().userOf(app.id(), socketId, channel, clock().millis())
          .orElse(user == null ? null : user.id());
    }
    if (!userId.equals(owner)) {
      return;
    }
    unsubscribe(channel);
    subscriptionError(channel, "AuthError", reason, 403);
  }

  private void actAs(String userId) {
    boolean first;
    if (userId.equals(identity)) {
      first = ++identityCount == 1;
    } else if (otherIdentities != null && otherIdentities.containsKey(userId)) {
      otherIdentities.merge(userId, 1, Integer::sum);
      first = false;
    } else if (identity == null) {
      identity = userId;
      identityCount = 1;
      first = true;
    } else {
      if (otherIdentities == null) {
        otherIdentities = new HashMap<>(2);
      }
      otherIdentities.put(userId, 1);
      first = true;
    }
    if (first) {
      service.userConnections().connected(app.id(), userId);
    }
  }

  private void stopActingAs(String userId) {
    boolean last;
    if (userId.equals(identity)) {
      last = --identityCount == 0;
      if (last) {
        identity = null;
      }
    } else {
      Integer left = otherIdentities == null ? null
          : otherIdentities.computeIfPresent(userId, (k, n) -> n == 1 ? null : n - 1);
      last = left == null;
    }
    if (last) {
      service.userConnections().disconnected(app.id(), userId);
    }
  }

  // ------------------------------------------------------------------ the subscription table

  private Subscription subscription(String channel) {
    Object s = subscriptions;
    if (s instanceof Subscription one) {
      return one.channel().name().value().equals(channel) ? one : null;
    }
    return s == null ? null : subscriptionMap(s).get(channel);
  }

  private int subscriptionCount() {
    Object s = subscriptions;
    return s == null ? 0 : s instanceof Subscription ? 1 : subscriptionMap(s).size();
  }

  /** Adds a subscription to a channel this connection is not subscribed to. */
  private void putSubscription(String channel, Subscription sub) {
    Object s = subscriptions;
    if (s == null) {
      subscriptions = sub;
    } else if (s instanceof Subscription one) {
      Map<String, Subscription> map = new HashMap<>(4);
      map.put(one.channel().name().value(), one);
      map.put(channel, sub);
      subscriptions = map;
    } else {
      subscriptionMap(s).put(channel, sub);
    }
  }

  private Subscription removeSubscription(String channel) {
    Object s = subscriptions;
    if (s instanceof Subscription one) {
      if (!one.channel().name().value().equals(channel)) {
        return null;
      }
      subscriptions = null;
      return one;
    }
    if (s == null) {
      return null;
    }
    Map<String, Subscription> map = subscriptionMap(s);
    Subscription removed = map.remove(channel);
    if (map.isEmpty()) {
      subscriptions = null;
    }
    return removed;
  }

  private List<Subscription> allSubscriptions() {
    Object s = subscriptions;
    if (s instanceof Subscription one) {
      return List.of(one);
    }
    return s == null ? List.of() : new ArrayList<>(subscriptionMap(s).values());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Subscription> subscriptionMap(Object s) {
    return (Map<String, Subscription>) s;
  }

  /** Refuses a subscription; counted as an error by its status. */
  private void subscriptionError(String channel, String type, String error, int status) {
    metrics().error(app.id(), status);
    console().error(app.id(), Optional.of(socketId), status,
        "Subscription to '" + abbreviate(channel) + "' refused (" + type + "): " + error);
    send(new ServerMessage.SubscriptionError(channel, type, error, status));
  }

  // ------------------------------------------------------------------ user authentication

  private void signin(ClientMessage.Signin m) {
    if (!PusherSignatures.verifyAuth(m.auth(), app.key(), app.secret(),
        socketId + "::user::" + m.userData())) {
      sendError(Optional.of(PusherError.UNAUTHORIZED.code()),
          "Invalid signature: expected HMAC SHA256 hex digest of " + socketId + "::user::<user_data>");
      return;
    }
    UserData data;
    try {
      data = UserData.parse(m.userData());
    } catch (IllegalArgumentException e) {
      sendError(Optional.of(PusherError.UNAUTHORIZED.code()), e.getMessage());
      return;
    }
    try {
      // the user's own channel must be a valid channel name, or pusher-js's automatic
      // subscription to it (and every sendToUser) would fail later, far from the cause
      ChannelName.parse(ChannelName.SERVER_TO_USER_PREFIX + data.id());
    } catch (IllegalArgumentException e) {
      sendError(Optional.of(PusherError.UNAUTHORIZED.code()), "user_data.id '" + data.id()
          + "' cannot be used: ids are at most " + MAX_USER_ID_LENGTH
          + " visible characters (no spaces, control or invisible characters, nor / ? # %)");
      return;
    }
    if (user != null) {
      if (!user.id().equals(data.id())) {
        sendError(Optional.of(PusherError.UNAUTHORIZED.code()),
            "This connection is already signed in as another user");
        return;
      }
      UserData before = user;
      user = data;
      send(new ServerMessage.SigninSuccess(data.raw()));
      service.users().signInAgain(app, this, before, data);
      return;
    }
    actAs(data.id());
    user = data;
    if (signinTimer != null) {
      signinTimer.cancel();
      signinTimer = null;
    }
    send(new ServerMessage.SigninSuccess(data.raw()));
    service.users().signIn(app, this, data);
  }

  /** The longest user id whose {@code #server-to-user-} channel name is within 200 characters. */
  static final int MAX_USER_ID_LENGTH = 200 - "#server-to-user-".length();

  private void checkSignedIn() {
    signinTimer = null;
    if (user == null && !closing) {
      close(PusherError.UNAUTHORIZED.code(), "Connection not signed in within "
          + app.signinTimeoutSeconds() + " seconds");
    }
  }

  // ------------------------------------------------------------------ client events

  private void clientEvent(ClientMessage.ClientEvent m) {
    if (!app.clientEvents()) {
      sendError(Optional.empty(), "Client events are disabled for this app");
      return;
    }
    Subscription sub = subscription(m.channel());
    if (sub == null) {
      sendError(Optional.empty(), "Client event rejected: not subscribed to channel '"
          + abbreviate(m.channel()) + "'");
      return;
    }
    ChannelName name = sub.channel().name();
    if (!name.type().allowsClientEvents()) {
      sendError(Optional.empty(), "Client events are only allowed on private and presence "
          + "channels, not on '" + name.value() + "'");
      return;
    }
    if (m.event().length() > app.maxEventNameLength()) {
      sendError(Optional.empty(), "Event name is " + m.event().length()
          + " characters, the limit is " + app.maxEventNameLength());
      return;
    }
    int size = m.dataJson().getBytes(StandardCharsets.UTF_8).length;
    if (size > app.maxPayloadBytes()) {
      sendError(Optional.empty(), "Payload of " + size + " bytes exceeds the limit of "
          + app.maxPayloadBytes() + " bytes");
      return;
    }
    long now = clock().millis();
    if (clientEventBudget == null) {
      clientEventBudget = new TokenBucket(app.clientEventsPerSecond(), now);
    }
    if (!clientEventBudget.tryTake(now)) {
      sendError(Optional.of(PusherError.CLIENT_EVENT_RATE_LIMIT.code()),
          "Client event rejected due to rate limit (" + app.clientEventsPerSecond() + " per second)");
      return;
    }
    byte[] frame = PusherCodec.encode(
        new ServerMessage.ChannelEvent(name.value(), m.event(), m.dataJson(), sub.userId()));
    try {
      hub().publish(app, name, frame, this, null);
    } catch (OverloadedException e) {
      sendError(Optional.of(PusherError.OVER_CAPACITY.code()), e.getMessage());
      return;
    }
    metrics().clientEvent(app.id());
    if (app.webhooks().wants(WebhookEvent.CLIENT_EVENT)) {
      service.webhooks().emit(app.id(), WebhookEvent.clientEvent(name.value(), m.event(),
          m.dataJson(), socketId, sub.userId()));
    }
    console().clientEvent(app.id(), socketId, name.value(), m.event(), m.dataJson());
  }

  // ------------------------------------------------------------------ liveness

  /** The activity timer's task (the session is its own task: no object per timer). */
  @Override
  public void run() {
    checkActivity();
  }

  private void checkActivity() {
    activityTimer = null;
    if (closing) {
      return;
    }
    long now = clock().millis();
    if (pingSentAt >= 0) {
      if (now - pingSentAt >= pongTimeoutMillis()) {
        close(PusherError.PONG_NOT_RECEIVED.code(), "Pong reply not received within "
            + pongTimeoutMillis() / 1000 + " seconds");
        return;
      }
      activityTimer = lane.timers().schedule(pingSentAt + pongTimeoutMillis(), this);
      return;
    }
    if (now - lastReceived >= activityTimeoutMillis()) {
      pingSentAt = now;
      transport.ping();
      send(new ServerMessage.Ping());
      activityTimer = lane.timers().schedule(now + pongTimeoutMillis(), this);
    } else {
      activityTimer = lane.timers().schedule(lastReceived + activityTimeoutMillis(), this);
    }
  }

  // ------------------------------------------------------------------ outbound

  /** Encodes and queues a message. */
  void send(ServerMessage message) {
    deliver(PusherCodec.encode(message));
  }

  private void sendError(Optional<Integer> code, String message) {
    code.ifPresent(c -> metrics().error(app.id(), c));
    console().error(app.id(), Optional.of(socketId), code.orElse(0), message);
    send(new ServerMessage.Error(code, message));
  }

  @Override
  public void deliver(byte[] frame) {
    lane.assertOnLane();
    if (closing) {
      return;
    }
    transport.write(frame);
    if (!dirty) {
      dirty = true;
      lane.markDirty(this);
    }
  }

  @Override
  public void flush() {
    lane.assertOnLane();
    if (dirty) {
      dirty = false;
      transport.flush();
    }
  }

  /**
   * Closes the connection with a Pusher code. Protocol versions before 6 are sent a {@code
   * pusher:error} with the code first, as the protocol asks.
   */
  @Override
  public void close(int code, String reason) {
    lane.assertOnLane();
    if (closing) {
      return;
    }
    if (protocol < 6) {
      send(new ServerMessage.Error(Optional.of(code), reason));
    }
    metrics().error(app.id(), code);
    console().error(app.id(), Optional.of(socketId), code, "Connection closed: " + reason);
    flush();
    closing = true;
    transport.close(code, reason);
    // the client may never answer the close (a dead network): leave every channel now, not when
    // the socket finally goes, so members and quotas do not wait on the closing handshake
    onClosed();
  }

  /** The transport has closed: leave every channel and forget the connection. Idempotent. */
  public void onClosed() {
    lane.assertOnLane();
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    if (activityTimer != null) {
      activityTimer.cancel();
    }
    if (signinTimer != null) {
      signinTimer.cancel();
    }
    for (Subscription sub : allSubscriptions()) {
      hub().unsubscribe(app, sub);
      console().leftOnClose(app.id(), socketId, sub.channel().name().value(), sub.userId());
    }
    subscriptions = null;
    if (user != null) {
      service.users().signOut(app, this, user);
    }
    if (identity != null) {
      service.userConnections().disconnected(app.id(), identity);
      identity = null;
      identityCount = 0;
    }
    if (otherIdentities != null) {
      for (String id : otherIdentities.keySet()) {
        service.userConnections().disconnected(app.id(), id);
      }
      otherIdentities = null;
    }
    lane.detach(this);
    service.closed(this);
  }

  // ------------------------------------------------------------------ identity

  @Override
  public Lane lane() {
    return lane;
  }

  @Override
  public String socketId() {
    return socketId;
  }

  public App app() {
    return app;
  }

  @Override
  public String appId() {
    return app.id();
  }

  /** The signed-in user, if any. */
  public Optional<String> userId() {
    return user == null ? Optional.empty() : Optional.of(user.id());
  }

  @Override
  public boolean signedInAs(String userId) {
    return user != null && user.id().equals(userId);
  }

  public int protocol() {
    return protocol;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
