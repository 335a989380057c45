package dev.beacon.core.pusher;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.hub.Attached;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.protocol.pusher.ChannelName;
import dev.beacon.protocol.pusher.PusherError;
import dev.beacon.protocol.pusher.ServerMessage;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Pusher Channels service of one server: admits connections, opens their sessions, and acts
 * on all of an app's connections (terminate a user, shut down).
 */
public final class PusherChannels {

  private final Apps apps;
  private final ChannelHub hub;
  private final dev.beacon.core.hub.ClusterBus bus;
  private final PusherSettings settings;
  private final BeaconMetrics metrics;
  private final SignedInUsers users = new SignedInUsers();
  private final ChannelGrants grants = new ChannelGrants();
  private final ConcurrentHashMap<String, AtomicInteger> connections = new ConcurrentHashMap<>();
  private volatile dev.beacon.core.hub.UserConnections userConnections =
      dev.beacon.core.hub.UserConnections.NONE;
  private volatile DebugConsole console = DebugConsole.NONE;
  private volatile dev.beacon.core.webhook.WebhookSink webhooks = dev.beacon.core.webhook.WebhookSink.NONE;

  public PusherChannels(Apps apps, ChannelHub hub, PusherSettings settings, BeaconMetrics metrics) {
    this(apps, hub, settings, metrics, dev.beacon.core.hub.ClusterBus.LOCAL);
  }

  /** @param bus reaches the other nodes of a cluster (terminate a user everywhere) */
  public PusherChannels(Apps apps, ChannelHub hub, PusherSettings settings, BeaconMetrics metrics,
      dev.beacon.core.hub.ClusterBus bus) {
    this.bus = bus;
    this.apps = apps;
    this.hub = hub;
    this.settings = settings;
    this.metrics = metrics;
  }

  /** Why a connection was refused: a Pusher close code and its reason. */
  public record Refusal(PusherError error, String reason) {}

  /** The outcome of a connection attempt: an app, or a refusal. */
  public sealed interface Admission {
    record Admitted(App app, int protocol) implements Admission {}

    record Refused(Refusal refusal) implements Admission {}
  }

  /**
   * Decides whether a WebSocket to {@code /app/{key}?protocol=...} may open, and if so reserves
   * its place in the app's connection quota (returned by {@link PusherSession#onClosed()}).
   *
   * @param protocolParam the {@code protocol} query parameter, or null when absent
   */
  public Admission admit(String key, String protocolParam) {
    App app = apps.byKey(key).orElse(null);
    if (app == null) {
      return refuse("", PusherError.APP_NOT_FOUND, "Application with key '" + key + "' does not exist");
    }
    if (!app.enabled()) {
      return refuse(app.id(), PusherError.APP_DISABLED, "Application is disabled");
    }
    if (protocolParam == null || protocolParam.isEmpty()) {
      return refuse(app.id(), PusherError.NO_PROTOCOL_VERSION, "No protocol version supplied (use ?protocol=7)");
    }
    int protocol;
    try {
      protocol = Integer.parseInt(protocolParam);
    } catch (NumberFormatException e) {
      return refuse(app.id(), PusherError.INVALID_VERSION, "Invalid protocol version '" + protocolParam + "'");
    }
    if (protocol < 5 || protocol > 7) {
      return refuse(app.id(), PusherError.UNSUPPORTED_PROTOCOL,
          "Unsupported protocol version " + protocol + " (supported: 5 to 7)");
    }
    AtomicInteger count = connections.computeIfAbsent(app.id(), id -> new AtomicInteger());
    int now = count.incrementAndGet();
    if (app.maxConnections() > 0 && now > app.maxConnections()) {
      count.decrementAndGet();
      return refuse(app.id(), PusherError.OVER_CONNECTION_QUOTA,
          "Application is over its connection quota of " + app.maxConnections());
    }
    return new Admission.Admitted(app, protocol);
  }

  /** A connection refused before it opened: the console hears it as an error of the app. */
  private Admission refuse(String appId, PusherError error, String reason) {
    console.error(appId, java.util.Optional.empty(), error.code(), "Connection refused: " + reason);
    return new Admission.Refused(new Refusal(error, reason));
  }

  /**
   * Opens the session of an admitted connection on its lane (and must be called there): sends
   * {@code pusher:connection_established}.
   */
  public PusherSession open(Admission.Admitted admitted, Lane lane, PusherTransport transport) {
    PusherSession session = new PusherSession(
        this, admitted.app(), lane, transport, newSocketId(), admitted.protocol());
    metrics.connectionOpened(admitted.app().id());
    console.connected(admitted.app().id(), session.socketId(), admitted.protocol());
    session.open();
    return session;
  }

  void closed(PusherSession session) {
    AtomicInteger count = connections.get(session.appId());
    if (count != null) {
      count.decrementAndGet();
    }
    metrics.connectionClosed(session.appId());
    console.disconnected(session.appId(), session.socketId());
  }

  /**
   * Closes, with 4009, every connection of the app signed in as {@code userId} (Pusher sign-in or
   * a Convex sync connection authenticated as the user). As in Pusher, a connection that is only a
   * presence member as the user is left open.
   */
  public void terminateUser(App app, String userId) {
    terminateLocal(app.id(), userId);
    bus.terminateUser(app.id(), userId);
  }

  /** Closes, with 4009, this node's connections signed in as {@code userId}. */
  public void terminateLocal(String appId, String userId) {
    hub.lanes().onEach(lane -> {
      for (Attached c : lane.attached()) {
        if (c.appId().equals(appId) && c.signedInAs(userId)) {
          c.close(PusherError.UNAUTHORIZED.code(), "Connection terminated by the app's server");
        }
      }
      lane.flushDirty();
    });
  }

  /** The cluster signal topic of {@link #grant}: a JSON array [socketId, channel, userId]. */
  public static final String GRANT_TOPIC = "grant";
  /** The cluster signal topic of {@link #endAccess}: a JSON array [channel, userId, reason]. */
  public static final String REVOKE_TOPIC = "revoke";

  /**
   * Records that Beacon signed {@code channel} for {@code socketId} as {@code userId} (its own
   * {@code /pusher/auth} from the user's JWT), here and on the other nodes of a cluster (the
   * socket may live on any), so that {@link #endAccess} finds that subscription later.
   */
  public void grant(App app, String socketId, String channel, String userId) {
    grantLocal(app.id(), socketId, channel, userId);
    bus.signal(GRANT_TOPIC, app.id(), dev.beacon.protocol.json.Json.write(
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
            .add(socketId).add(channel).add(userId)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** {@link #grant} on this node only (what another node's grant signal does here). */
  public void grantLocal(String appId, String socketId, String channel, String userId) {
    grants.grant(appId, socketId, channel, userId, hub.lanes().get(0).clock().millis());
  }

  ChannelGrants grants() {
    return grants;
  }

  /**
   * Ends {@code userId}'s subscriptions to {@code channel} on every node: each connection
   * subscribed as that user (signed by Beacon's {@code /pusher/auth} for the user, or signed in
   * as the user) is unsubscribed by the server and sent {@code pusher:subscription_error} for
   * the channel ({@code AuthError}, status 403, {@code reason}), what pusher-js hands the
   * channel's {@code pusher:subscription_error} listeners when a subscription is refused.
   */
  public void endAccess(App app, String channel, String userId, String reason) {
    endAccessLocal(app.id(), channel, userId, reason);
    bus.signal(REVOKE_TOPIC, app.id(), dev.beacon.protocol.json.Json.write(
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
            .add(channel).add(userId).add(reason)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** {@link #endAccess} on this node's connections only. */
  public void endAccessLocal(String appId, String channel, String userId, String reason) {
    hub.lanes().onEach(lane -> {
      for (Attached c : lane.attached()) {
        if (c instanceof PusherSession s && s.appId().equals(appId)) {
          s.endAccess(channel, userId, reason);
        }
      }
      lane.flushDirty();
    });
  }

  /** Asks every client to reconnect (4200), for a graceful shutdown. */
  public void closeAll(String reason) {
    hub.lanes().onEach(lane -> {
      for (Attached c : lane.attached()) {
        c.close(PusherError.RECONNECT.code(), reason);
      }
      lane.flushDirty();
    });
  }

  /** Open connections of an app on this node. */
  public int connectionCount(String appId) {
    AtomicInteger count = connections.get(appId);
    return count == null ? 0 : count.get();
  }

  List<ServerMessage.Member> presenceSnapshot(App app, ChannelName name) {
    return hub.members(app, name.value());
  }

  public Apps apps() {
    return apps;
  }

  public ChannelHub hub() {
    return hub;
  }

  public PusherSettings settings() {
    return settings;
  }

  /** Sets who hears about connections acting as users; set once, before serving. */
  public void userConnections(dev.beacon.core.hub.UserConnections listener) {
    this.userConnections = listener;
  }

  dev.beacon.core.hub.UserConnections userConnections() {
    return userConnections;
  }

  /** Sets the debug console that hears what connections do; set once, before serving. */
  public void console(DebugConsole console) {
    this.console = console;
  }

  DebugConsole console() {
    return console;
  }

  /** Sets where client events and cache misses go as webhooks; set once, before serving. */
  public void webhooks(dev.beacon.core.webhook.WebhookSink sink) {
    this.webhooks = sink;
  }

  dev.beacon.core.webhook.WebhookSink webhooks() {
    return webhooks;
  }

  BeaconMetrics metrics() {
    return metrics;
  }

  SignedInUsers users() {
    return users;
  }

  /**
   * In a cluster: where this node's first and last signed-in connection of each user is
   * reported (watchlist events follow the cluster's sign-ins). Set once, before serving.
   */
  public void cluster(ClusterSignIns signIns) {
    users.cluster(signIns);
  }

  /** In a cluster: another node's registry change (a user signed in somewhere, or nowhere). */
  public void clusterSignedIn(String appId, String userId, boolean signedIn) {
    apps.byId(appId).ifPresent(app -> users.clusterChanged(app, userId, signedIn));
  }

  /** In a cluster: who is signed in on any node, read after (re)connecting. */
  public void clusterSignedInSnapshot(String appId, java.util.Collection<String> signedIn) {
    apps.byId(appId).ifPresent(app -> users.clusterSnapshot(app, signedIn));
  }

  /** The users with a signed-in connection on this node, as app id and user id pairs. */
  public List<String[]> localSignedIn() {
    return users.local();
  }

  /** Whether the user has a signed-in connection on this node. */
  public boolean isSignedIn(App app, String userId) {
    return users.isOnline(app.id(), userId);
  }

  /** A socket id of the form {@code \d+\.\d+}, unguessable and unique across nodes. */
  static String newSocketId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return r.nextLong(1, 10_000_000_000L) + "." + r.nextLong(1, 10_000_000_000L);
  }
}
