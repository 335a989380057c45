package dev.beacon.server.cluster;

import dev.beacon.core.hub.ChannelStats;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.ClusterUnavailableException;
import dev.beacon.protocol.pusher.ServerMessage.Member;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster over Redis (vertx-redis-client, on one of the server's Vert.x event loops): one
 * connection for commands and scripts, one subscribed to the bus's pub/sub channel.
 *
 * <p>Publications go out as {@code PUBLISH} and come back to every node; presence rosters and
 * subscription counts are hashes changed by Lua scripts that publish the member events themselves,
 * so member events are numbered and ordered by Redis. Each node refreshes its liveness key every
 * second (TTL 3 s); every node checks the others' every second and settles a dead node's holdings
 * with an idempotent script. docs/CLUSTER.md describes keys, messages and guarantees.
 *
 * <p>Nothing here blocks a caller: commands are queued to the connection's event loop, bounded
 * ({@value #MAX_IN_FLIGHT} waiting), answered within {@value #COMMAND_TIMEOUT_MILLIS} ms or
 * failed, and refused at once while Redis is unreachable.
 */
public final class RedisClusterBus implements ClusterBus, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisClusterBus.class);

  static final long TICK_MILLIS = 1000;
  static final long ALIVE_TTL_MILLIS = 3000;
  static final long PROBE_SILENCE_MILLIS = 3000;
  static final long COMMAND_TIMEOUT_MILLIS = 2000;
  /**
   * How long a new connection may take (TCP and the client's handshake): a Redis that hangs
   * accepts connections and never answers their handshake.
   */
  static final long CONNECT_TIMEOUT_MILLIS = 2000;
  /**
   * Heartbeats in a row that Redis did not answer before the command connection is given up and
   * made again (a connection a stalled Redis or a failover left half-open answers nothing again).
   */
  static final int HEARTBEATS_MISSED_BEFORE_RECONNECTING = 2;
  /**
   * How long a node, once (re)registered, leaves other nodes' lapsed liveness keys alone: if it
   * was cut off from Redis, the others may have been too and are registering again (after a
   * stall of the whole Redis every key has lapsed), and must not be settled as dead meanwhile.
   */
  static final long SETTLE_OTHERS_AFTER_MILLIS = 2 * ALIVE_TTL_MILLIS;
  static final int MAX_IN_FLIGHT = 20_000;
  /** How often each node takes the webhook vacates and removals whose grace period is over. */
  static final long WEBHOOK_POLL_MILLIS = 250;
  static final int WEBHOOK_CLAIM_BATCH = 500;

  /** What this node holds, for settling its entries in Redis to exactly that. */
  public record Holdings(List<HeldMember> members, List<HeldChannel> channels,
      List<HeldUser> users, List<HeldUser> signedIn, List<HeldTypist> typists) {
    public static final Holdings NONE = new Holdings(List.of(), List.of(), List.of(), List.of(),
        List.of());
  }

  /** A typist this node started (or refreshed last), with the time it has left. */
  public record HeldTypist(String appId, String roomId, String userId, long ttlMillis) {}

  /** A user live on this node (a session or a connection). */
  public record HeldUser(String appId, String userId) {}

  /**
   * A presence member this node holds; {@code data}: a room member's latest data as this node
   * knows it (null: none, not a room channel).
   */
  public record HeldMember(String appId, String channel, Member member, int connections,
      String data) {
    public HeldMember(String appId, String channel, Member member, int connections) {
      this(appId, channel, member, connections, null);
    }
  }

  public record HeldChannel(String appId, String channel, int subscriptions) {}

  private final Vertx vertx;
  private final String node;
  private final String prefix;
  private final String busChannel;
  private final RedisOptions options;
  private final Context context;
  private final ClusterScripts scripts = ClusterScripts.load();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong settledNodes = new AtomicLong();
  private volatile RedisConnection commands;
  private volatile RedisConnection pubsub;
  /**
   * The clients the two connections came from, one each: closing a client closes its socket
   * (closing a connection of a pooled client would hand a half-open one back to its pool for
   * the next connect). On the context.
   */
  private Redis commandsClient;
  private Redis pubsubClient;
  /** When this node last (re)registered (context). */
  private long registeredAt;
  /** Heartbeats in a row that failed (context). */
  private int heartbeatsMissed;
  /** When the last heartbeat that Redis took was sent (context). */
  private long lastHeartbeat;
  private volatile String trouble = "connecting to Redis";
  private volatile long lastProbeHeard;
  /** Whether the current subscription has delivered a probe yet. */
  private volatile boolean probeHeard;
  private volatile boolean registered;
  private volatile Inbound inbound;
  private final List<Transitions> transitions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Runnable> registeredListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile Supplier<Holdings> holdings = () -> Holdings.NONE;
  private volatile Map<String, Long> webhookGrace = Map.of();
  private volatile List<String> webhookAppsWithout = List.of();
  private volatile java.util.Set<String> webhookCountApps = java.util.Set.of();
  private volatile java.util.function.Consumer<List<String>> webhooksDue = due -> { };
  /** Apps whose webhooks take {@code cache_miss}: their cache publications clear the miss mark. */
  private volatile java.util.Set<String> cacheMissApps = java.util.Set.of();
  // event-loop (context) state
  private boolean connecting;
  private boolean stopped;
  private long timer = -1;
  private long webhookTimer = -1;
  private long lastFailureLog;

  public RedisClusterBus(Vertx vertx, ClusterSettings settings) {
    this.vertx = vertx;
    this.node = settings.nodeId();
    this.prefix = settings.keyPrefix();
    this.busChannel = prefix + "bus";
    this.options = new RedisOptions()
        .setConnectionString(settings.redisUrl().orElseThrow())
        .setPreferredProtocolVersion(ProtocolVersion.RESP2)
        .setMaxWaitingHandlers(MAX_IN_FLIGHT);
    this.context = vertx.getOrCreateContext();
  }

  /** Where what other nodes publish goes; set once, before {@link #start}. */
  public void inbound(Inbound inbound) {
    this.inbound = inbound;
  }

  /**
   * Adds a listener of the cluster-wide transitions made on this node (each is reported on one
   * node only); before {@link #start}.
   */
  public void transitions(Transitions listener) {
    transitions.add(listener);
  }

  /** The signal topic (app-less) of a dead node cleaned up after: the payload is its id. */
  public static final String NODE_GONE_TOPIC = "nodegone";

  private final List<java.util.function.BiConsumer<String, Boolean>> nodeGoneListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Told of each dead node once cleaned up after, with {@code true} on the one node that did it;
   * the other nodes hear it as a {@value #NODE_GONE_TOPIC} signal. Before {@link #start}.
   */
  public void onNodeGone(java.util.function.BiConsumer<String, Boolean> listener) {
    nodeGoneListeners.add(listener);
  }

  /** Runs after every (re)registration of this node, on the Redis client's event loop. */
  public void onRegistered(Runnable listener) {
    registeredListeners.add(listener);
  }

  /** What this node holds (read on every (re)connection); set once, before {@link #start}. */
  public void holdings(Supplier<Holdings> holdings) {
    this.holdings = holdings;
  }

  /**
   * Webhooks: the grace period of each app (id to milliseconds) whose vacates and member removals
   * wait in Redis, and the apps whose webhooks take subscription counts (both written on every
   * (re)connection; the other apps of {@code allApps} are taken out); and who sends what is due:
   * each node takes it every {@value #WEBHOOK_POLL_MILLIS} ms, and each entry is handed to one
   * node. Set once, before {@link #start}.
   */
  public void webhooks(Map<String, Long> graceByApp, java.util.Set<String> countingApps,
      List<String> allApps, java.util.function.Consumer<List<String>> due) {
    this.webhookGrace = Map.copyOf(graceByApp);
    this.webhookCountApps = java.util.Set.copyOf(countingApps);
    this.webhookAppsWithout = allApps.stream().filter(a -> !graceByApp.containsKey(a)).toList();
    this.webhooksDue = due;
  }

  /**
   * Webhooks: the apps that take {@code cache_miss}, told once per empty cache channel in the
   * cluster ({@link #firstCacheMiss}); set once, before {@link #start}.
   */
  public void cacheMisses(java.util.Set<String> apps) {
    this.cacheMissApps = java.util.Set.copyOf(apps);
  }

  /**
   * The apps whose clients get {@code pusher_internal:subscription_count} (written to {@code
   * P sc} on every (re)connection; the other apps of {@code allApps} are taken out). Before
   * {@link #start}.
   */
  public void countEvents(java.util.Set<String> apps, List<String> allApps) {
    this.countEventApps = java.util.Set.copyOf(apps);
    this.countEventAppsWithout = allApps.stream().filter(a -> !apps.contains(a)).toList();
  }

  private volatile java.util.Set<String> countEventApps = java.util.Set.of();
  private volatile List<String> countEventAppsWithout = List.of();

  public String nodeId() {
    return node;
  }

  /**
   * Connects and registers the node, waiting up to {@code waitMillis} for it (the server starts
   * anyway, not ready, if Redis cannot be reached, and keeps trying).
   */
  public void start(long waitMillis) {
    Promise<Void> first = Promise.promise();
    context.runOnContext(v -> {
      timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
      if (!webhookGrace.isEmpty()) {
        webhookTimer = vertx.setPeriodic(WEBHOOK_POLL_MILLIS, id -> claimWebhooks());
      }
      connect(first);
    });
    try {
      first.future().await(waitMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("cluster: not connected to Redis yet ({}); serving, not ready, and retrying",
          trouble);
    }
  }

  /** Why this node is not ready for cluster work, if it is not. */
  public Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  /** Publications dropped because Redis could not take them. */
  public long dropped() {
    return dropped.get();
  }

  /** Dead nodes this node has cleaned up after. */
  public long settledNodes() {
    return settledNodes.get();
  }

  // ------------------------------------------------------------------ connection

  private void connect(Promise<Void> done) {
    if (stopped || connecting) {
      done.tryFail("not connecting");
      return;
    }
    connecting = true;
    heartbeatsMissed = 0;
    newConnection().compose(made -> {
      RedisConnection cmd = made.connection();
      cmd.exceptionHandler(e -> lost(cmd, "Redis connection failed: " + e.getMessage()));
      cmd.endHandler(v -> lost(cmd, "Redis closed the connection"));
      commandsClient = made.client();
      commands = cmd;
      return subscribe();
    }).compose(v -> webhookGrace())
        .compose(v -> settle(node, false, holdings.get()))
        .compose(v -> register())
        .onComplete(ar -> {
          connecting = false;
          if (ar.succeeded()) {
            registered = true;
            registeredAt = System.currentTimeMillis();
            lastHeartbeat = registeredAt;
            LOG.info("cluster: node {} registered in Redis (key prefix '{}')", node, prefix);
            registered();
            if (!probeHeard) {
              trouble = "waiting for the pub/sub probe";
            }
            done.tryComplete();
          } else {
            String reason = "cannot reach Redis: " + message(ar.cause());
            trouble = reason;
            logFailure(reason);
            dropConnections();
            done.tryFail(ar.cause());
            if (!stopped) {
              vertx.setTimer(1000, id -> connect(Promise.promise()));
            }
          }
        });
  }

  /** Runs the registration listeners (after a (re)connection or a resubscription). */
  private void registered() {
    for (Runnable r : registeredListeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("cluster: a registration listener failed", e);
      }
    }
  }

  /** A connection with the client it came from. */
  private record Made(Redis client, RedisConnection connection) {}

  /**
   * A new connection from a client of its own, within {@value #CONNECT_TIMEOUT_MILLIS} ms (a
   * stalled Redis accepts the connection and never answers the handshake); a connection made
   * after the time is up is closed with its client. On the context.
   */
  private Future<Made> newConnection() {
    Redis client = Redis.createClient(vertx, options);
    Promise<Made> made = Promise.promise();
    long timer = vertx.setTimer(CONNECT_TIMEOUT_MILLIS, id -> {
      if (made.tryFail(new java.util.concurrent.TimeoutException("Redis did not complete a new "
          + "connection within " + CONNECT_TIMEOUT_MILLIS + " ms"))) {
        client.close();
      }
    });
    client.connect().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        if (made.tryFail(ar.cause())) {
          client.close();
        }
      } else if (!made.tryComplete(new Made(client, ar.result()))) {
        client.close(); // too late: given up already
      }
    });
    return made.future();
  }

  private Future<Void> subscribe() {
    return newConnection().compose(made -> {
      RedisConnection sub = made.connection();
      pubsubClient = made.client();
      sub.exceptionHandler(e -> lost(sub, "Redis pub/sub connection failed: " + e.getMessage()));
      sub.endHandler(v -> lost(sub, "Redis closed the pub/sub connection"));
      sub.handler(this::onPush);
      pubsub = sub;
      // the first probe is due within a tick; silence is counted from now
      lastProbeHeard = System.currentTimeMillis();
      probeHeard = false;
      return sub.send(Request.cmd(Command.SUBSCRIBE).arg(busChannel))
          .timeout(COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).mapEmpty();
    });
  }

  /** Writes the webhook grace periods, before this node's holdings are settled. */
  private Future<Void> webhookGrace() {
    Future<Response> done = Future.succeededFuture();
    if (!webhookGrace.isEmpty()) {
      Request set = Request.cmd(Command.HSET).arg(prefix + "wh:grace");
      webhookGrace.forEach((app, ms) -> set.arg(app).arg(ms.longValue()));
      done = send(set);
    }
    if (!webhookAppsWithout.isEmpty()) {
      done = done.compose(r -> {
        Request del = Request.cmd(Command.HDEL).arg(prefix + "wh:grace");
        webhookAppsWithout.forEach(del::arg);
        return send(del);
      });
    }
    if (!webhookCountApps.isEmpty()) {
      done = done.compose(r -> {
        Request set = Request.cmd(Command.HSET).arg(prefix + "wh:counts");
        webhookCountApps.forEach(app -> set.arg(app).arg("1"));
        return send(set);
      });
    }
    if (!countEventApps.isEmpty()) {
      done = done.compose(r -> {
        Request set = Request.cmd(Command.HSET).arg(prefix + "sc");
        countEventApps.forEach(app -> set.arg(app).arg("1"));
        return send(set);
      });
    }
    if (!countEventAppsWithout.isEmpty()) {
      done = done.compose(r -> {
        Request del = Request.cmd(Command.HDEL).arg(prefix + "sc");
        countEventAppsWithout.forEach(del::arg);
        return send(del);
      });
    }
    List<String> notCounting = new ArrayList<>(webhookAppsWithout);
    webhookGrace.keySet().stream().filter(a -> !webhookCountApps.contains(a)).forEach(notCounting::add);
    if (!notCounting.isEmpty()) {
      done = done.compose(r -> {
        Request del = Request.cmd(Command.HDEL).arg(prefix + "wh:counts");
        notCounting.forEach(del::arg);
        return send(del);
      });
    }
    return done.mapEmpty();
  }

  /** Takes the webhook vacates and removals that are due; runs on the context. */
  private void claimWebhooks() {
    if (stopped || connecting || commands == null) {
      return;
    }
    script(scripts.webhooks(), node, List.of(WEBHOOK_CLAIM_BATCH)).onSuccess(r -> {
      if (r == null || r.size() == 0) {
        return;
      }
      List<String> due = new ArrayList<>(r.size());
      for (Response e : r) {
        due.add(e.toString());
      }
      try {
        webhooksDue.accept(due);
      } catch (RuntimeException e) {
        LOG.warn("cluster: the webhook sender failed", e);
      }
    }).onFailure(e -> logFailure("cluster: cannot take the due webhook vacates and removals "
        + "(tried again shortly): " + message(e)));
  }

  /**
   * Makes this node one of {@code P nodes}, its liveness key set first: the other nodes settle
   * every node of that set whose key is missing as dead (removing what it holds and the node
   * from the set), so a node listed before its key existed could be forgotten in between, then
   * go on with its key refreshed, never registered again, and its members left behind for ever
   * when it died later.
   */
  private Future<Void> register() {
    return send(aliveRequest())
        .compose(r -> send(Request.cmd(Command.SADD).arg(prefix + "nodes").arg(node))).mapEmpty();
  }

  /** Refreshes the liveness key, answering its previous value (none if it had lapsed). */
  private Request aliveRequest() {
    return Request.cmd(Command.SET).arg(prefix + "node:" + node + ":alive")
        .arg(Long.toString(System.currentTimeMillis())).arg("PX").arg(ALIVE_TTL_MILLIS).arg("GET");
  }

  /**
   * This node's liveness key had lapsed while it was registered (the process was paused, or its
   * heartbeats did not get through, for longer than the TTL): another node may have settled it
   * as dead meanwhile, removing its members and forgetting it, though its connections are still
   * here. Its own connections being the truth for what it holds, it registers them again, as
   * after a reconnection. On the context.
   */
  private void lapsed(long lastHeartbeat) {
    String reason = "this node's liveness key had lapsed (no heartbeat for "
        + (System.currentTimeMillis() - lastHeartbeat) + " ms): registering its members again";
    LOG.warn("cluster: {}", reason);
    trouble = reason;
    connecting = true;
    settle(node, false, holdings.get()).compose(v -> register()).onComplete(ar -> {
      connecting = false;
      if (ar.failed()) {
        lost(commands, "cannot register again: " + message(ar.cause()));
        return;
      }
      registeredAt = System.currentTimeMillis();
      registered();
      if (probeHeard) {
        trouble = null;
      }
    });
  }

  private void lost(RedisConnection which, String reason) {
    context.runOnContext(v -> {
      if (which != commands && which != pubsub) {
        return;
      }
      trouble = reason;
      logFailure(reason);
      dropConnections();
      if (!stopped) {
        vertx.setTimer(500, id -> connect(Promise.promise()));
      }
    });
  }

  private void dropConnections() {
    commands = null;
    pubsub = null;
    registered = false;
    closeCommandsClient();
    closePubsubClient();
  }

  private void closeCommandsClient() {
    Redis c = commandsClient;
    commandsClient = null;
    if (c != null) {
      c.close();
    }
  }

  private void closePubsubClient() {
    Redis c = pubsubClient;
    pubsubClient = null;
    if (c != null) {
      c.close();
    }
  }

  /** Every second: liveness, the pub/sub probe, and dead nodes. Runs on the context. */
  private void tick() {
    if (stopped || connecting || commands == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now - lastProbeHeard > PROBE_SILENCE_MILLIS) {
      String reason = "the pub/sub probe was not heard for " + (now - lastProbeHeard)
          + " ms: resubscribing";
      trouble = reason;
      logFailure(reason);
      pubsub = null;
      closePubsubClient();
      connecting = true;
      subscribe().compose(v -> settle(node, false, holdings.get())).onComplete(ar -> {
        connecting = false;
        if (ar.failed()) {
          lost(commands, "cannot resubscribe: " + message(ar.cause()));
        } else {
          // what was published while the subscription was silent is read again
          registered();
        }
      });
      return;
    }
    RedisConnection beating = commands;
    long previousBeat = lastHeartbeat;
    send(aliveRequest()).onComplete(ar -> {
      if (ar.failed()) {
        trouble = "Redis heartbeat failed: " + message(ar.cause());
        logFailure(trouble);
        if (ar.cause() instanceof ClusterUnavailableException && beating == commands
            && ++heartbeatsMissed >= HEARTBEATS_MISSED_BEFORE_RECONNECTING) {
          // Redis answers nothing on this connection: a stall, or a connection left half-open;
          // a new one is made (and fails within the connect timeout while Redis hangs)
          lost(beating, "Redis did not answer " + heartbeatsMissed + " heartbeats in a row: "
              + "reconnecting");
        }
        return;
      }
      heartbeatsMissed = 0;
      lastHeartbeat = now;
      if (ar.result() == null && registered && !connecting && beating == commands) {
        lapsed(previousBeat);
        return;
      }
      if (probeHeard && now - lastProbeHeard <= PROBE_SILENCE_MILLIS && registered) {
        trouble = null;
      }
    });
    publishMessage(new BusMessage('p', node, "", "", "", Long.toString(now).getBytes(StandardCharsets.US_ASCII)));
    if (now - registeredAt < SETTLE_OTHERS_AFTER_MILLIS) {
      return; // just (re)registered: the others may be registering again too
    }
    send(Request.cmd(Command.SMEMBERS).arg(prefix + "nodes")).onSuccess(members -> {
      for (Response m : members) {
        String other = m.toString();
        if (!other.equals(node)) {
          settle(other, true, Holdings.NONE).onSuccess(v -> { });
        }
      }
    });
  }

  private void onPush(Response push) {
    // RESP2 pub/sub: ["message", channel, payload]; subscription confirmations are ignored
    if (push.size() != 3 || !"message".equals(push.get(0).toString())) {
      return;
    }
    BusMessage m;
    try {
      m = BusMessage.decode(push.get(2).toBytes());
    } catch (IllegalArgumentException e) {
      LOG.warn("cluster: ignored a malformed bus message: {}", e.getMessage());
      return;
    }
    Inbound in = inbound;
    boolean mine = m.origin().equals(node);
    switch (m.kind()) {
      case 'p' -> {
        if (mine) {
          lastProbeHeard = System.currentTimeMillis();
          probeHeard = true;
          if (registered && trouble != null && trouble.startsWith("waiting for the pub/sub")) {
            trouble = null;
          }
        }
      }
      case 'e' -> {
        if (!mine && in != null) {
          in.published(m.app(), m.a(), m.body(), m.b().isEmpty() ? null : m.b());
        }
      }
      case 'm' -> {
        if (in != null) {
          in.memberEvent(m.app(), m.a(), m.body(), Long.parseLong(m.b()), m.origin());
        }
      }
      case 'c' -> {
        if (in != null) {
          in.subscriptionCount(m.app(), m.a(), Integer.parseInt(m.b()));
        }
      }
      case 't' -> {
        if (!mine && in != null) {
          in.terminateUser(m.app(), m.a());
        }
      }
      case 's' -> {
        if (!mine && in != null) {
          in.signal(m.a(), m.app(), m.body(), m.origin());
        }
      }
      default -> LOG.warn("cluster: ignored a bus message of kind '{}'", m.kind());
    }
  }

  // ------------------------------------------------------------------ commands

  private Future<Response> send(Request request) {
    RedisConnection c = commands;
    if (c == null) {
      return Future.failedFuture(new ClusterUnavailableException(
          "cluster unavailable: " + (trouble == null ? "not connected to Redis" : trouble)));
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      return Future.failedFuture(new ClusterUnavailableException("cluster unavailable: "
          + MAX_IN_FLIGHT + " Redis commands are waiting for an answer"));
    }
    Promise<Response> p = Promise.promise();
    context.runOnContext(v -> c.send(request)
        .timeout(COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.succeeded()) {
            p.complete(ar.result());
          } else if (ar.cause() instanceof java.util.concurrent.TimeoutException) {
            p.fail(new ClusterUnavailableException("cluster unavailable: Redis did not answer within "
                + COMMAND_TIMEOUT_MILLIS + " ms (" + inFlight.get() + " commands waiting)"));
          } else if (c != commands) {
            // the connection was lost or given up while the command waited
            p.fail(new ClusterUnavailableException("cluster unavailable: the Redis connection was "
                + "lost (" + message(ar.cause()) + ")"));
          } else {
            p.fail(ar.cause());
          }
        }));
    return p.future();
  }

  private Future<Response> script(ClusterScripts.Script script, String holder, List<Object> args) {
    Request sha = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(0);
    Request full = Request.cmd(Command.EVAL).arg(script.text()).arg(0);
    for (Request r : List.of(sha, full)) {
      r.arg(prefix).arg(busChannel).arg(holder);
      for (Object a : args) {
        if (a instanceof byte[] b) {
          r.arg(b);
        } else if (a instanceof Long n) {
          r.arg(n.longValue());
        } else if (a instanceof Integer n) {
          r.arg(n.intValue());
        } else {
          r.arg(String.valueOf(a));
        }
      }
    }
    return send(sha).recover(e -> e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
        ? send(full) : Future.failedFuture(e));
  }

  private void publishMessage(BusMessage message) {
    send(Request.cmd(Command.PUBLISH).arg(busChannel).arg(message.encode()))
        .onFailure(e -> {
          dropped.incrementAndGet();
          logFailure("cluster: a message to the other nodes was dropped: " + message(e));
        });
  }

  /**
   * Sets {@code holder}'s entries to {@code held}; for a dead node ({@code dead}), only once its
   * liveness key has lapsed, and then forgets it.
   */
  private Future<Void> settle(String holder, boolean dead, Holdings held) {
    List<Object> args = new ArrayList<>();
    args.add(dead ? "1" : "0");
    args.add(held.members().size());
    for (HeldMember m : held.members()) {
      args.add(m.appId());
      args.add(m.channel());
      args.add(m.member().userId());
      args.add(m.member().userInfoJson());
      args.add(m.connections());
      args.add(m.data() == null ? "" : m.data());
    }
    args.add(held.channels().size());
    for (HeldChannel c : held.channels()) {
      args.add(c.appId());
      args.add(c.channel());
      args.add(c.subscriptions());
    }
    args.add(held.users().size());
    for (HeldUser u : held.users()) {
      args.add(u.appId());
      args.add(u.userId());
    }
    args.add(held.signedIn().size());
    for (HeldUser u : held.signedIn()) {
      args.add(u.appId());
      args.add(u.userId());
    }
    args.add(held.typists().size());
    for (HeldTypist t : held.typists()) {
      args.add(t.appId());
      args.add(t.roomId());
      args.add(t.userId());
      args.add(Math.max(1, t.ttlMillis()));
    }
    return script(scripts.settle(), holder, args).map(r -> {
      if (r.get(0).toLong() > 0 && dead) {
        settledNodes.incrementAndGet();
        LOG.info("cluster: node {} stopped refreshing its liveness key; its members and "
            + "subscriptions are removed", holder);
        // this node cleaned up after it: it tells the others, and announces what the dead
        // node's state held only in memory (its typists)
        publishMessage(new BusMessage('s', node, "", NODE_GONE_TOPIC, "",
            holder.getBytes(StandardCharsets.UTF_8)));
        for (java.util.function.BiConsumer<String, Boolean> l : nodeGoneListeners) {
          try {
            l.accept(holder, true);
          } catch (RuntimeException e) {
            LOG.warn("cluster: a node-gone listener failed", e);
          }
        }
      }
      report(r.get(1));
      return null;
    });
  }

  private void report(Response out) {
    if (out == null) {
      return;
    }
    for (int i = 0; i + 3 < out.size(); i += 4) {
      String app = out.get(i + 1).toString();
      String channel = out.get(i + 2).toString();
      String user = out.get(i + 3).toString();
      String kind = out.get(i).toString();
      for (Transitions t : transitions) {
        try {
          switch (kind) {
            case "+" -> t.memberAdded(app, channel, user);
            case "-" -> t.memberRemoved(app, channel, user);
            case "o" -> t.channelOccupied(app, channel);
            case "v" -> t.channelVacated(app, channel);
            case "U" -> t.userOnline(app, user);
            case "D" -> t.userOffline(app, user);
            case "I" -> t.userSignedIn(app, user, true);
            case "Q" -> t.userSignedIn(app, user, false);
            default -> { }
          }
        } catch (RuntimeException e) {
          LOG.warn("cluster: a transition listener failed", e);
        }
      }
    }
  }

  private void logFailure(String reason) {
    long now = System.currentTimeMillis();
    if (now - lastFailureLog > 5000) {
      lastFailureLog = now;
      LOG.warn("cluster: {}", reason);
    }
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  // ------------------------------------------------------------------ ClusterBus

  @Override
  public boolean clustered() {
    return true;
  }

  @Override
  public void published(String appId, String channel, byte[] frame, String excludeSocketId) {
    boolean cache = dev.beacon.protocol.pusher.ChannelName.tryParse(channel)
        .map(dev.beacon.protocol.pusher.ChannelName::cache).orElse(false);
    if (cache) {
      publishedToCache(appId, channel, frame, excludeSocketId);
      return;
    }
    publishMessage(new BusMessage('e', node, appId, channel,
        excludeSocketId == null ? "" : excludeSocketId, frame));
  }

  /**
   * Publishes to the other nodes, then stores the frame as the channel's last event in {@code P
   * cache:{app}:{channel}} (with the cache TTL), completing once Redis has it (or could not take
   * it). In that order on one connection: by the time a subscriber anywhere can read the stored
   * event, the publication has reached every node's pub/sub connection, so a node that replays
   * the stored event to a new subscriber does not get the publication after it.
   */
  @Override
  public CompletionStage<Void> publishedToCache(String appId, String channel, byte[] frame,
      String excludeSocketId) {
    publishMessage(new BusMessage('e', node, appId, channel,
        excludeSocketId == null ? "" : excludeSocketId, frame));
    Future<Response> stored = send(Request.cmd(Command.SET).arg(cacheKey(appId, channel))
        .arg(frame).arg("PX").arg(cacheTtlMillis));
    stored.onFailure(e -> logFailure(
        "cluster: a cache channel's last event was not stored: " + message(e)));
    if (cacheMissApps.contains(appId)) {
      // the channel holds an event again: its next miss is told again (sent after the
      // publication on the same connection, so Redis sees them in that order)
      send(Request.cmd(Command.DEL).arg(missKey(appId, channel)))
          .onFailure(e -> logFailure("cluster: a cache channel's miss mark was not cleared (it "
              + "lapses with the cache's TTL): " + message(e)));
    }
    return stored.<Void>mapEmpty().recover(e -> Future.succeededFuture()).toCompletionStage();
  }

  @Override
  public CompletionStage<Optional<CachedFrame>> cachedEvent(String appId, String channel) {
    return script(scripts.cache(), node, List.of(cacheKey(appId, channel))).map(r -> {
      if (r == null || r.size() < 3 || r.get(2).toLong() <= 0) {
        return Optional.<CachedFrame>empty();
      }
      return Optional.of(new CachedFrame(r.get(1).toBytes(), r.get(2).toLong()));
    }).toCompletionStage();
  }

  private String cacheKey(String appId, String channel) {
    return prefix + "cache:" + appId + ":" + channel;
  }

  /**
   * Marks the channel's miss in Redis unless it is marked already ({@code SET NX}), for as long
   * as an event would be cached; only the node whose mark it is tells the miss.
   */
  @Override
  public CompletionStage<Boolean> firstCacheMiss(String appId, String channel, long ttlMillis) {
    return send(Request.cmd(Command.SET).arg(missKey(appId, channel)).arg(node).arg("NX")
        .arg("PX").arg(Math.max(1000, ttlMillis)))
        .map(r -> r != null && "OK".equals(r.toString())).toCompletionStage();
  }

  private String missKey(String appId, String channel) {
    return prefix + "wh:miss:" + appId + ":" + channel;
  }

  private volatile long cacheTtlMillis = 30 * 60_000L;

  /** How long a cache channel's last event is kept in Redis (as each node keeps it). */
  public void cacheTtl(long millis) {
    this.cacheTtlMillis = Math.max(1, millis);
  }

  /** A cache channel's last event, with the time it has left. */
  public record CachedEvent(String appId, String channel, byte[] frame, long ttlMillis) {}

  /** Every cache channel's last event kept in Redis (found with SCAN, a page at a time). */
  public Future<List<CachedEvent>> cachedEvents() {
    List<CachedEvent> out = new java.util.concurrent.CopyOnWriteArrayList<>();
    int from = prefix.length() + "cache:".length();
    return scan(glob(prefix) + "cache:*", keys -> script(scripts.cache(), node,
        new ArrayList<Object>(keys)).map(r -> {
          for (int i = 0; i + 2 < r.size(); i += 3) {
            String body = r.get(i).toString().substring(from);
            int colon = body.lastIndexOf(':');
            long left = r.get(i + 2).toLong();
            if (colon > 0 && left > 0) {
              out.add(new CachedEvent(body.substring(0, colon), body.substring(colon + 1),
                  r.get(i + 1).toBytes(), left));
            }
          }
          return null;
        })).map(v -> new ArrayList<>(out));
  }

  /**
   * Runs SCAN over the keys matching {@code pattern}, a page at a time, handing each non-empty
   * page to {@code page} and waiting for it before the next.
   */
  private Future<Void> scan(String pattern,
      java.util.function.Function<List<String>, Future<?>> page) {
    Promise<Void> done = Promise.promise();
    scanFrom("0", pattern, page, done);
    return done.future();
  }

  private void scanFrom(String cursor, String pattern,
      java.util.function.Function<List<String>, Future<?>> page, Promise<Void> done) {
    send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(500))
        .onFailure(done::tryFail)
        .onSuccess(r -> {
          List<String> keys = new ArrayList<>();
          for (Response k : r.get(1)) {
            keys.add(k.toString());
          }
          Future<?> handled = keys.isEmpty() ? Future.succeededFuture() : page.apply(keys);
          handled.onFailure(done::tryFail).onSuccess(v -> {
            String next = r.get(0).toString();
            if ("0".equals(next)) {
              done.tryComplete();
            } else {
              scanFrom(next, pattern, page, done);
            }
          });
        });
  }

  @Override
  public void subscriptionChanged(String appId, String channel, int delta) {
    script(scripts.count(), node, List.of(appId, channel, delta))
        .onSuccess(this::report)
        .onFailure(e -> logFailure("cluster: a subscription count was not recorded (it is "
            + "re-registered on reconnecting): " + message(e)));
  }

  @Override
  public CompletionStage<Roster> joinPresence(String appId, String channel, Member member,
      byte[] memberAddedFrame, int maxMembers) {
    return script(scripts.join(), node, List.of(appId, channel, member.userId(),
        member.userInfoJson(), maxMembers, memberAddedFrame)).map(r -> {
          if (r.get(0).toLong() == 0) {
            return Roster.full();
          }
          long version = r.get(1).toLong();
          Response info = r.get(2);
          List<Member> members = new ArrayList<>(info.size() / 2);
          for (int i = 0; i + 1 < info.size(); i += 2) {
            members.add(new Member(info.get(i).toString(), info.get(i + 1).toString()));
          }
          report(r.get(3));
          return new Roster(true, version, members);
        }).toCompletionStage();
  }

  @Override
  public void leavePresence(String appId, String channel, String userId, byte[] memberRemovedFrame) {
    script(scripts.leave(), node, List.of(appId, channel, userId, memberRemovedFrame))
        .onSuccess(this::report)
        .onFailure(e -> logFailure("cluster: a presence leave was not recorded (it is settled on "
            + "reconnecting): " + message(e)));
  }

  @Override
  public CompletionStage<ChannelStats> stats(String appId, String channel) {
    Future<Response> count = send(Request.cmd(Command.HGET).arg(prefix + "ch:" + appId).arg(channel));
    Future<Response> users = send(Request.cmd(Command.HLEN).arg(prefix + "pm:" + appId + ":" + channel));
    return Future.all(count, users).map(v -> {
      int subs = count.result() == null ? 0 : count.result().toInteger();
      int n = users.result() == null ? 0 : users.result().toInteger();
      return subs > 0 ? new ChannelStats(true, subs, n) : ChannelStats.VACANT;
    }).toCompletionStage();
  }

  @Override
  public CompletionStage<Map<String, ChannelStats>> occupied(String appId, String namePrefix) {
    return script(scripts.occupied(), node, List.of(appId, namePrefix)).map(r -> {
      TreeMap<String, ChannelStats> sorted = new TreeMap<>();
      for (int i = 0; i + 2 < r.size(); i += 3) {
        int subs = r.get(i + 1).toInteger();
        if (subs > 0) {
          sorted.put(r.get(i).toString(), new ChannelStats(true, subs, r.get(i + 2).toInteger()));
        }
      }
      return (Map<String, ChannelStats>) new LinkedHashMap<>(sorted);
    }).toCompletionStage();
  }

  @Override
  public CompletionStage<List<Member>> members(String appId, String channel) {
    return send(Request.cmd(Command.HGETALL).arg(prefix + "pm:" + appId + ":" + channel + ":i"))
        .map(info -> {
          List<Member> members = new ArrayList<>();
          for (int i = 0; i + 1 < info.size(); i += 2) {
            members.add(new Member(info.get(i).toString(), info.get(i + 1).toString()));
          }
          return members;
        }).toCompletionStage();
  }

  /**
   * This node holds {@code userId} live (a session or a connection) from now on, or no more;
   * the cluster tells every node when the user becomes live or stops being live anywhere.
   */
  public CompletionStage<Void> userLive(String appId, String userId, boolean live) {
    return script(scripts.user(), node, List.of(appId, userId, live ? 1 : -1))
        .map(r -> {
          report(r);
          return (Void) null;
        }).toCompletionStage();
  }

  /**
   * How long a rate-limited call waits for the cluster's bucket before the node's own decides
   * (Redis stalling: a heartbeat is not held for the full command timeout).
   */
  static final long LIMIT_WAIT_MILLIS = 250;

  /**
   * Takes a token from the cluster's bucket of a user's rate limit ({@code limit.lua}): true
   * when there was one. Fails at once while Redis is unreachable, and after {@value
   * #LIMIT_WAIT_MILLIS} ms without an answer.
   */
  public CompletionStage<Boolean> takeToken(String appId, String limit, String userId,
      int perSecond) {
    Promise<Boolean> out = Promise.promise();
    Future<Response> asked = script(scripts.limit(), node, List.of(appId, limit, userId, perSecond));
    if (asked.isComplete()) {
      // refused at once (not connected, too many waiting)
      return asked.map(r -> r != null && r.toInteger() == 1).toCompletionStage();
    }
    long timer = vertx.setTimer(LIMIT_WAIT_MILLIS, id -> out.tryFail(new ClusterUnavailableException(
        "cluster unavailable: Redis did not answer a rate limit within " + LIMIT_WAIT_MILLIS
            + " ms")));
    asked.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        out.tryComplete(ar.result() != null && ar.result().toInteger() == 1);
      } else {
        out.tryFail(ar.cause());
      }
    });
    return out.future().toCompletionStage();
  }

  /**
   * A presence roster as of its version, with the latest data of the room members whose data
   * changed since they joined (user to data JSON).
   */
  public record RosterSnapshot(String appId, String channel, long version, List<Member> members,
      Map<String, String> data) {}

  /**
   * A room member's new data: kept with the roster in Redis while the user is a member (a node
   * that reads the roster later shows it) and told to every node as a {@code roomdata} signal
   * with {@code payload}, in one step.
   */
  public void roomData(String appId, String channel, String userId, String dataJson,
      byte[] payload) {
    script(scripts.roomData(), node, List.of(appId, channel, userId, dataJson, payload))
        .onFailure(e -> logFailure("cluster: a room member's data was not shared (the other "
            + "nodes show it from its next change): " + message(e)));
  }

  /**
   * This node's typist starts or is refreshed ({@code ttlMillis} > 0), stops (0), or expired
   * here (< 0, nothing is told): kept in {@code P node:{node}:ty} for nodes that start later,
   * and told to every node as a {@code typing} signal with {@code payload}, in one step.
   */
  public void typing(String appId, String roomId, String userId, long ttlMillis, byte[] payload) {
    script(scripts.typing(), node, List.of(appId, roomId, userId, ttlMillis, payload))
        .onFailure(e -> logFailure("cluster: a typist was not shared (the other nodes have it "
            + "until its deadline, or from its next start): " + message(e)));
  }

  /**
   * This node holds a streamed message from now on (it started it): recorded in {@code P
   * st:{app}:{message}} for {@link #claimStream}.
   */
  public void streamHeld(String appId, String messageId) {
    script(scripts.stream(), node, List.of("hold", appId, messageId, ""))
        .onFailure(e -> logFailure("cluster: a stream's holder was not recorded (a node that "
            + "finds it silent takes it over): " + message(e)));
  }

  /** A streamed message ended: nobody holds it. */
  public void streamEnded(String appId, String messageId) {
    script(scripts.stream(), node, List.of("end", appId, messageId, ""))
        .onFailure(e -> logFailure("cluster: a stream's holder was not removed (it lapses in a "
            + "day): " + message(e)));
  }

  /**
   * No node answered for a streamed message in time: takes it over unless another node holds it
   * ({@code stream.lua}, atomic: of nodes claiming at once exactly one wins). {@code
   * unanswered} is a holder this node found not answering (empty if none): it is taken for gone
   * whatever its liveness key says.
   *
   * @return the stream's holder now: this node's id when it won, with the fencing epoch it
   *     holds the stream with (newer than every claim's before)
   */
  public Future<StreamClaim> claimStream(String appId, String messageId, String unanswered) {
    return script(scripts.stream(), node, List.of("claim", appId, messageId, unanswered))
        .map(r -> new StreamClaim(r.get(0).toString(), r.get(1).toLong()));
  }

  /** A claim's outcome: the stream's holder, and its epoch if it is this node (else 0). */
  public record StreamClaim(String holder, long epoch) {}

  /** Another node's typist as Redis keeps it, with the time it has left. */
  public record RemoteTypist(String node, String appId, String roomId, String userId,
      long ttlMillis) {}

  /** Every other node's typists (one script). */
  public Future<List<RemoteTypist>> typists() {
    return script(scripts.typists(), node, List.of()).map(r -> {
      List<RemoteTypist> out = new ArrayList<>(r.size() / 3);
      for (int i = 0; i + 2 < r.size(); i += 3) {
        String[] f = r.get(i + 1).toString().split("\n", 3);
        if (f.length == 3) {
          out.add(new RemoteTypist(r.get(i).toString(), f[0], f[1], f[2], r.get(i + 2).toLong()));
        }
      }
      return out;
    });
  }

  /**
   * The cluster's presence rosters of the channels whose name starts with {@code channelPrefix}
   * (found with SCAN, a page at a time; each roster read with its version at once).
   */
  public Future<List<RosterSnapshot>> rosters(String channelPrefix) {
    String pattern = glob(prefix) + "pm:*:" + glob(channelPrefix) + "*:i";
    List<RosterSnapshot> out = new java.util.concurrent.CopyOnWriteArrayList<>();
    int from = prefix.length() + "pm:".length();
    return scan(pattern, keys -> {
      List<Future<?>> reads = new ArrayList<>();
      for (String key : keys) {
        String body = key.substring(from, key.length() - 2); // app:channel (no ':' in a channel)
        int colon = body.lastIndexOf(':');
        if (colon <= 0) {
          continue;
        }
        String app = body.substring(0, colon);
        String channel = body.substring(colon + 1);
        reads.add(script(scripts.roster(), node, List.of(app, channel)).onSuccess(r -> {
          Response info = r.get(1);
          List<Member> members = new ArrayList<>(info.size() / 2);
          for (int i = 0; i + 1 < info.size(); i += 2) {
            members.add(new Member(info.get(i).toString(), info.get(i + 1).toString()));
          }
          Map<String, String> data = new java.util.HashMap<>();
          Response d = r.size() > 2 ? r.get(2) : null;
          for (int i = 0; d != null && i + 1 < d.size(); i += 2) {
            data.put(d.get(i).toString(), d.get(i + 1).toString());
          }
          if (!members.isEmpty()) {
            out.add(new RosterSnapshot(app, channel, r.get(0).toLong(), members, data));
          }
        }));
      }
      return Future.all(reads);
    }).map(v -> new ArrayList<>(out));
  }

  /** {@code s} as a literal in a SCAN pattern. */
  private static String glob(String s) {
    return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }

  /**
   * This node holds a signed-in connection of {@code userId} from now on, or no more; answers
   * whether that moved the cluster's state (the user's first sign-in anywhere, or its last).
   */
  public CompletionStage<Boolean> signedIn(String appId, String userId, boolean signedIn) {
    return script(scripts.signIn(), node, List.of(appId, userId, signedIn ? 1 : -1))
        .map(r -> r != null && r.size() > 0).toCompletionStage();
  }

  /** The users signed in on any node of the cluster. */
  public CompletionStage<List<String>> signedInUsers(String appId) {
    return keys("si:" + appId);
  }

  /** The users live on any node of the cluster. */
  public CompletionStage<List<String>> liveUsers(String appId) {
    return keys("us:" + appId);
  }

  private CompletionStage<List<String>> keys(String hash) {
    return send(Request.cmd(Command.HKEYS).arg(prefix + hash)).map(r -> {
      List<String> users = new ArrayList<>(r.size());
      for (Response u : r) {
        users.add(u.toString());
      }
      return users;
    }).toCompletionStage();
  }

  @Override
  public void terminateUser(String appId, String userId) {
    if (userId.indexOf('\n') >= 0) {
      return; // no connection can be signed in with such an id
    }
    publishMessage(new BusMessage('t', node, appId, userId, "", new byte[0]));
  }

  @Override
  public void signal(String topic, String appId, byte[] payload) {
    publishMessage(new BusMessage('s', node, appId, topic, "", payload));
  }

  // ------------------------------------------------------------------ stop

  /**
   * Leaves the cluster: this node's members and subscriptions are removed at once (the others
   * hear {@code member_removed} now, not after the liveness key lapses). Waits up to {@code
   * waitMillis}.
   */
  public void stop(long waitMillis) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (webhookTimer >= 0) {
        vertx.cancelTimer(webhookTimer);
      }
      if (commands == null) {
        done.tryComplete();
        return;
      }
      settle(node, false, Holdings.NONE)
          .compose(x -> send(Request.cmd(Command.DEL).arg(prefix + "node:" + node + ":alive")))
          .compose(x -> send(Request.cmd(Command.SREM).arg(prefix + "nodes").arg(node)))
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("cluster: could not leave cleanly ({}); the other nodes remove this "
                  + "node's members when its liveness key lapses", message(ar.cause()));
            }
            done.tryComplete();
          });
    });
    try {
      done.future().await(waitMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("cluster: leaving the cluster took longer than {} ms", waitMillis);
    }
    try {
      Promise<Void> closed = Promise.promise();
      context.runOnContext(v -> {
        dropConnections();
        closed.tryComplete();
      });
      closed.future().await(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("cluster: closing the Redis client: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    stop(3000);
  }
}
