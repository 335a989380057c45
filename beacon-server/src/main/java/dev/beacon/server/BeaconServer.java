package dev.beacon.server;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.builtins.BuiltInFunctions;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.live.LiveQueries;
import dev.beacon.core.live.SyncService;
import dev.beacon.core.live.Timestamps;
import dev.beacon.server.auth.SyncAuthenticator;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.Lanes;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.core.pusher.PusherHttpApi;
import dev.beacon.core.pusher.PusherLiveEvents;
import dev.beacon.core.time.Clock;
import dev.beacon.server.auth.Credentials;
import dev.beacon.server.auth.DevTokens;
import dev.beacon.server.auth.TokenVerifier;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.server.cluster.ClusterWebhooks;
import dev.beacon.server.cluster.ClusterWiring;
import dev.beacon.server.cluster.RedisClusterBus;
import dev.beacon.server.config.BeaconConfig;
import dev.beacon.server.dashboard.DashboardRoutes;
import dev.beacon.server.dashboard.DashboardStats;
import dev.beacon.server.dashboard.EventConsole;
import dev.beacon.server.demo.DemoBackendRoutes;
import dev.beacon.server.demo.DemoRoutes;
import dev.beacon.server.functions.FunctionRoutes;
import dev.beacon.server.functions.FunctionRunner;
import dev.beacon.server.http.DevAuthRoutes;
import dev.beacon.server.http.TokenChannelAuth;
import dev.beacon.server.http.DevTokenRoutes;
import dev.beacon.server.http.OpsRoutes;
import dev.beacon.server.http.PusherApiRoutes;
import dev.beacon.server.http.Routes;
import dev.beacon.server.http.StaticPages;
import dev.beacon.core.push.PushDispatcher;
import dev.beacon.server.push.PushMeters;
import dev.beacon.server.push.PushRoutes;
import dev.beacon.server.push.PushServices;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.JdbcStores;
import dev.beacon.server.metrics.MicrometerMetrics;
import dev.beacon.server.transport.BoundExecutor;
import dev.beacon.server.transport.EventLoopVerticle;
import dev.beacon.server.webhooks.WebhookSender;
import dev.beacon.core.webhook.LocalLifecycle;
import dev.beacon.server.transport.WebSockets;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the domain from the configuration, binds it to Vert.x event loops
 * and serves it. {@link #start} returns once the port is bound; {@link #stop} shuts down
 * gracefully (clients are asked to reconnect elsewhere with 4200).
 */
public final class BeaconServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BeaconServer.class);

  private final BeaconConfig config;
  private final Vertx vertx;
  private final Apps apps;
  private final PusherChannels pusher;
  private final WebSockets webSockets;
  private final MicrometerMetrics metrics;
  /** Set when a stop begins: {@code /ready} answers 503 while every client is still served. */
  private final AtomicBoolean draining = new AtomicBoolean();
  /** Set when the drain period is over: new WebSockets are refused, open ones closed. */
  private final AtomicBoolean closing = new AtomicBoolean();
  /** Everything opened so far, closed in reverse order on a failed start and on stop. */
  private final CloseStack resources = new CloseStack();
  private final AtomicBoolean leftCluster = new AtomicBoolean();
  private final Database database;
  private final FunctionRunner functionRunner;
  private final BackgroundWork background;
  private final TokenVerifier tokens;
  private final BuiltInFunctions builtIns;
  private final java.util.concurrent.ExecutorService liveEngine;
  private final SyncService sync;
  private final PushServices pushServices;
  private final PushDispatcher push;
  private final WebhookSender webhooks;
  private final java.util.concurrent.ExecutorService pushSettle;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Optional<RedisClusterBus> cluster;
  private final int port;

  private BeaconServer(BeaconConfig config) {
    this.config = config;
    if (config.development() && !loopback(config.host())) {
      LOG.warn("development mode on {}: the development helpers (signing auth, tokens, the demo){} "
          + "are open to anyone who can reach this address", config.host(),
          config.dashboard().enabled() && !config.dashboard().passwordProtected() ? " and the dashboard" : "");
    }
    // development mode: Web Push works out of the box with a key pair kept in the data folder
    this.apps = Apps.of(config.development()
        ? PushServices.withDevelopmentKeys(config.apps(), config.dataDir()) : config.apps());
    // push services first: a bad key file stops the start before anything else is open
    try {
      this.pushServices = resources.push("push services", PushServices.start(apps.all()),
          PushServices::close);
    } catch (IllegalArgumentException e) {
      throw new dev.beacon.server.config.ConfigException(e.getMessage());
    }
    // from here every resource is registered on the close stack as it is created
    try {
      this.metrics = new MicrometerMetrics();
      Clock clock = Clock.system();
      int loops = config.eventLoops();
      this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(false));
      resources.push("event loops", () -> vertx.close().await(10, TimeUnit.SECONDS));
      List<Lane> laneList = new ArrayList<>(loops);
      List<BoundExecutor> executors = new ArrayList<>(loops);
      for (int i = 0; i < loops; i++) {
        BoundExecutor executor = new BoundExecutor();
        executors.add(executor);
        laneList.add(new Lane(i, executor, clock, config.laneQueueLimit()));
      }
      Lanes lanes = new Lanes(laneList);
      // cluster mode: the Redis adapter behind the hub's port; a single node keeps all in memory
      this.cluster = config.cluster().enabled()
          ? Optional.of(new RedisClusterBus(vertx, config.cluster())) : Optional.empty();
      // unwound after everything opened later and before the event loops it runs on close
      cluster.ifPresent(c -> resources.push("cluster bus", () -> leaveCluster(1000)));
      ClusterBus bus = cluster.isPresent() ? cluster.get() : ClusterBus.LOCAL;
      cluster.ifPresent(c -> c.cacheTtl(config.pusher().cacheTtlSeconds() * 1000L));
      ChannelHub hub = new ChannelHub(lanes, clock, metrics, bus,
          config.pusher().cacheTtlSeconds() * 1000L, config.pusher().maxCachedChannels());
      this.pusher = new PusherChannels(apps, hub, config.pusher(), metrics, bus);
      this.webSockets = new WebSockets(pusher);
      // the debug console records only when configured (on in development, off in production)
      Optional<EventConsole> console = config.dashboard().console()
          ? Optional.of(new EventConsole(apps, config.dashboard().consoleEntries(), clock))
          : Optional.empty();
      // every console event is logged too (DEBUG; refusals at INFO within a budget)
      DebugConsole logged = new dev.beacon.server.log.LogConsole(
          dev.beacon.server.log.Refusals.standard(LoggerFactory.getLogger("dev.beacon.activity")));
      DebugConsole debug = console.isPresent() ? DebugConsole.both(logged, console.get()) : logged;
      pusher.console(debug);
      PusherHttpApi api = new PusherHttpApi(pusher, clock);
      registerGauges(hub, lanes);

      // the built-in functions: durable store, one expiry wheel, background writes
      this.database = resources.push("database", Database.open(config.db(), config.dataDir()),
          Database::close);
      // pending durable writes are made before the database closes
      this.background = resources.push("background work", new BackgroundWork(clock, 100_000),
          BackgroundWork::close);
      JdbcStores stores = new JdbcStores(database);
      ChangeRelay changes = new ChangeRelay();
      this.builtIns = new BuiltInFunctions(apps, stores, hub,
          new PusherLiveEvents(hub, Optional.of(pusher)), changes, background.expiry(),
          background.pool(), background.writes());
      pusher.userConnections(builtIns.userPresence());
      this.webhooks = resources.push("webhooks", new WebhookSender(apps, metrics.registry()), w -> {
        // what is queued goes out, for a few seconds at most (docs/WEBHOOKS.md)
        w.drain(Math.min(5000, config.shutdownGraceSeconds() * 1000L));
        w.close();
      });
      if (webhooks.enabled()) {
        // delivery runs on the sender's own threads
        if (cluster.isPresent()) {
          // decided on the cluster's state, the grace periods kept in Redis: one node per event
          ClusterWebhooks.connect(cluster.get(), apps, webhooks);
        } else {
          // one node: the grace periods run on the expiry wheel
          hub.lifecycle(new LocalLifecycle(apps, background.expiry(), webhooks));
        }
        pusher.webhooks(webhooks);
        builtIns.userPresence().webhooks(webhooks);
      }
      for (App app : apps.all()) {
        metrics.gauge("beacon_presence_online", "Users online (presence)", app.id(),
            builtIns.userPresence(), p -> p.onlineUsers(app.id()));
      }
      // every minute: a pass that removes rows also refreshes live feeds, so they lag expiry by
      // at most about that; a pass with nothing to remove is two indexed deletes per app
      background.every(1, builtIns.retention());
      // answers are recorded on one thread; the dispatcher never has more outstanding than fit
      this.pushSettle = resources.push("push answers", new java.util.concurrent.ThreadPoolExecutor(1, 1,
          60, TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(config.pushMaxInFlight() + 1),
          r -> {
            Thread t = new Thread(r, "beacon-push-settle");
            t.setDaemon(true);
            return t;
          }), java.util.concurrent.ExecutorService::shutdown);
      this.push = resources.push("push dispatcher", startPush(clock, stores), PushDispatcher::close);
      this.functionRunner = resources.push("function workers", new FunctionRunner(builtIns.functions(),
          config.functionWorkers(), config.functionQueue(), metrics, debug), FunctionRunner::close);
      this.tokens = resources.push("token keys", new TokenVerifier(apps, clock), TokenVerifier::close);
      Credentials credentials = new Credentials(apps, tokens);

      // live queries over the Convex sync protocol: one engine thread, evaluations on the workers
      this.liveEngine = resources.push("live-query engine",
          java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "beacon-live");
            t.setDaemon(true);
            return t;
          }), java.util.concurrent.ExecutorService::shutdownNow);
      LiveQueries live = new LiveQueries(builtIns.functions(), liveEngine, functionRunner.workers());
      changes.target(live, bus);
      cluster.ifPresent(c -> ClusterWiring.connect(c, hub, pusher, live, builtIns, apps,
          functionRunner.workers()));
      Timestamps timestamps = new Timestamps(stores.timestamps(), background.writes(),
          () -> clock.millis() * 1_000_000L);
      this.sync = new SyncService(builtIns.functions(), live, timestamps,
          new SyncAuthenticator(apps, credentials), functionRunner.workers(), builtIns.userPresence(),
          metrics, debug);
      io.micrometer.core.instrument.Gauge.builder("beacon_live_queries", live, LiveQueries::size)
          .description("Live queries subscribed over sync WebSockets").register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder("beacon_websocket_sockets", webSockets.openSockets(),
          AtomicInteger::get).description("Open WebSocket TCP connections (Pusher and sync), "
          + "closing ones included").register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder("beacon_sync_connections", sync,
          SyncService::connections).description("Open Convex sync WebSocket sessions")
          .register(metrics.registry());
      io.micrometer.core.instrument.FunctionCounter.builder("beacon_live_query_evaluations", live,
          LiveQueries::evaluations).description("Live query evaluations").register(metrics.registry());
      FunctionRoutes functionRoutes = new FunctionRoutes(functionRunner, credentials, timestamps::next);

      List<Consumer<Router>> sets = new ArrayList<>();
      sets.add(new OpsRoutes(metrics, () -> draining.get() ? Optional.of("DRAINING")
          : cluster.flatMap(RedisClusterBus::trouble).map(t -> "CLUSTER: " + t))::mount);
      // function calls first: heartbeats are the busiest route, and the Pusher API's routes have
      // path parameters, each a regular expression to try
      sets.add(functionRoutes::mount);
      sets.add(new PusherApiRoutes(apps, api, metrics, config.maxRequestBytes(), debug)::mount);
      sets.add(new PushRoutes(apps)::mount);
      sets.add(StaticPages::favicon);
      if (config.dashboard().enabled()) {
        DashboardStats stats = new DashboardStats(metrics.registry(), apps, clock);
        stats.webhookLog(webhooks::recent);
        background.everyMillis(1000, stats::sample);
        sets.add(new DashboardRoutes(config.dashboard(), stats, console, apps.first().id())::mount);
      }
      TokenChannelAuth channelAuth = new TokenChannelAuth(credentials, builtIns.channelRules(),
          Optional.of(pusher)).console(debug);
      if (config.development()) {
        sets.add(new DevAuthRoutes(apps, Optional.of(channelAuth))::mount);
        sets.add(new DevTokenRoutes(apps, new DevTokens(clock))::mount);
        sets.add(new DemoRoutes(apps.first())::mount);
        sets.add(new DemoBackendRoutes(credentials, functionRunner)::mount);
      } else {
        sets.add(channelAuth::mount); // pusher-js apps authorize with the user's JWT
      }
      Routes routes = new Routes(sets);

      cluster.ifPresent(c -> c.start(5000));

      // every loop listens on the same port (Vert.x shares it between them); for port 0 a free
      // port is chosen first, and chosen again if another process takes it in between
      int bound = -1;
      String deployment = null;
      Exception failure = null;
      dev.beacon.server.transport.HttpGuard.Limits guard = new dev.beacon.server.transport.HttpGuard.Limits(
          config.transport().requestTimeoutSeconds(), config.transport().maxPendingPerAddress());
      for (int attempt = 0; attempt < 5 && bound < 0; attempt++) {
        int candidate = config.port() == 0 ? freePort(config.host()) : config.port();
        AtomicInteger next = new AtomicInteger();
        try {
          deployment = vertx.deployVerticle(() -> {
            int i = next.getAndIncrement();
            return new EventLoopVerticle(candidate, config, lanes.get(i), executors.get(i), pusher,
                sync, routes, closing::get, webSockets, guard);
          }, new DeploymentOptions().setInstances(loops)).await(30, TimeUnit.SECONDS);
          bound = candidate;
        } catch (Exception e) {
          failure = e;
          if (config.port() != 0) {
            break;
          }
        }
      }
      if (bound < 0) {
        throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port()
            + ": " + rootMessage(failure), failure);
      }
      // closed first: no new connection or request once a stop has closed the open ones
      String listeners = deployment;
      resources.push("listeners", () -> {
        webSockets.stopAccepting();
        vertx.undeploy(listeners).await(10, TimeUnit.SECONDS);
      });
      LOG.info("Beacon started on {}:{} ({} mode, {} apps, {} event loops, {} store{})",
          config.host(), bound, config.mode().name().toLowerCase(java.util.Locale.ROOT),
          apps.all().size(), loops, database.kind().name().toLowerCase(java.util.Locale.ROOT),
          cluster.map(c -> ", cluster node " + c.nodeId()).orElse(""));
      this.port = bound;
    } catch (RuntimeException | Error e) {
      // whatever was opened before the failure is closed, the last opened first
      resources.close();
      throw e;
    }
  }

  /** Leaves the cluster once: this node's members and subscriptions are removed at once. */
  private void leaveCluster(long waitMillis) {
    if (cluster.isPresent() && leftCluster.compareAndSet(false, true)) {
      cluster.get().stop(waitMillis);
    }
  }

  /**
   * The push outbox's dispatcher: its own thread claims due pushes, the services send them
   * asynchronously (at most {@code push.max_in_flight} at once) and one thread records answers.
   */
  private PushDispatcher startPush(Clock clock, JdbcStores stores) {
    PushMeters meters = new PushMeters(metrics.registry());
    PushDispatcher dispatcher = new PushDispatcher(apps, stores.push(), pushServices, meters, clock,
        pushSettle, config.pushMaxInFlight(), config.pushClaimSeconds() * 1000L,
        config.pushSendTimeoutSeconds() * 1000L);
    builtIns.push().connect(dispatcher::wake, meters, dispatcher::pending, config.pushMaxQueued());
    if (database.kind() == Database.Kind.SQLITE) {
      stores.push().releaseClaims(); // one node only: whatever it claimed died with it
    }
    io.micrometer.core.instrument.Gauge.builder("beacon_push_queue", dispatcher, PushDispatcher::pending)
        .description("Pushes in the outbox, waiting to be sent or retried").register(metrics.registry());
    io.micrometer.core.instrument.Gauge.builder("beacon_push_in_flight", dispatcher,
        PushDispatcher::inFlight).description("Push sends waiting for a service's answer")
        .register(metrics.registry());
    if (apps.all().stream().anyMatch(a -> a.push().enabled())) {
      dispatcher.start();
    }
    return dispatcher;
  }

  private static boolean loopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + host, e);
    }
  }

  /**
   * Passes changes to the live-query engine, which is built after the functions it runs, and in
   * a cluster to the other nodes, whose engines re-run their own subscribers' queries.
   */
  private static final class ChangeRelay implements Changes {
    private volatile Changes target = Changes.NONE;
    private volatile ClusterBus bus = ClusterBus.LOCAL;

    void target(Changes changes, ClusterBus bus) {
      this.target = changes;
      this.bus = bus;
    }

    @Override
    public void changed(java.util.Collection<dev.beacon.core.functions.DependencyKey> keys) {
      target.changed(keys);
      if (bus.clustered()) {
        ClusterWiring.broadcast(bus, keys);
      }
    }
  }

  /** Builds and starts a server; returns once it listens. */
  public static BeaconServer start(BeaconConfig config) {
    StartChecks.dataDir(config.dataDir());
    // before the database and its migrations: a port in use is said at once, with nothing written
    StartChecks.portFree(config.host(), config.port());
    return new BeaconServer(config);
  }

  private void registerGauges(ChannelHub hub, Lanes lanes) {
    for (App app : apps.all()) {
      metrics.gauge("beacon_connections", "Open WebSocket connections", app.id(), pusher,
          p -> p.connectionCount(app.id()));
      metrics.gauge("beacon_channels", "Occupied channels", app.id(), hub,
          h -> h.channelCount(app.id()));
      metrics.gauge("beacon_subscriptions", "Channel subscriptions", app.id(), hub,
          h -> h.subscriptionCount(app.id()));
    }
    io.micrometer.core.instrument.Gauge.builder("beacon_lane_queue", lanes, l -> {
      long total = 0;
      for (int i = 0; i < l.size(); i++) {
        total += l.get(i).pending();
      }
      return total;
    }).description("Tasks waiting on the event loops' lanes").register(metrics.registry());
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(metrics.registry());
    io.micrometer.core.instrument.binder.jvm.JvmGcMetrics gc = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
    gc.bindTo(metrics.registry());
    resources.push("GC metrics", gc::close);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(metrics.registry());
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(metrics.registry());
  }

  public int port() {
    return port;
  }

  public BeaconConfig config() {
    return config;
  }

  public PusherChannels pusher() {
    return pusher;
  }

  public SyncService sync() {
    return sync;
  }

  public BuiltInFunctions builtIns() {
    return builtIns;
  }

  public MicrometerMetrics metrics() {
    return metrics;
  }

  /** Every WebSocket of this server: the open count, and closing them all for a drain. */
  public WebSockets webSockets() {
    return webSockets;
  }

  /** The cluster adapter, in cluster mode. */
  public Optional<RedisClusterBus> cluster() {
    return cluster;
  }

  /**
   * Graceful shutdown, in three steps. The drain: {@code /ready} answers 503 at once while every
   * client, new ones included, is served as before for {@code shutdown.drain_seconds}, so a load
   * balancer sees the node leave before its connections go. Then new WebSockets are refused and
   * open ones closed (Pusher 4200, sync 1001: both clients reconnect, elsewhere), waiting up to
   * {@code shutdown_grace_seconds} for them to go. Then the node leaves the cluster and every
   * resource is closed, the last opened first. Idempotent; returns when all is closed.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    long began = System.nanoTime();
    draining.set(true);
    int drain = config.shutdownDrainSeconds();
    if (drain > 0) {
      LOG.info("stopping: draining for {} s (/ready answers 503; every client is still served), "
          + "then closing {} WebSockets", drain, webSockets.openSockets().get());
      sleepUntil(began + TimeUnit.SECONDS.toNanos(drain), () -> false);
    }
    closing.set(true);
    int open = webSockets.openSockets().get();
    LOG.info("stopping: closing {} WebSockets (Pusher 4200, sync 1001: reconnect elsewhere), "
        + "waiting up to {} s for them", open, config.shutdownGraceSeconds());
    webSockets.closeAll("Server is shutting down; reconnect");
    // sessions end at once; wait for the sockets themselves, so clients hear the close
    long closed = System.nanoTime();
    sleepUntil(closed + TimeUnit.SECONDS.toNanos(config.shutdownGraceSeconds()),
        () -> webSockets.openSockets().get() == 0);
    int left = webSockets.openSockets().get();
    if (left > 0) {
      LOG.warn("closing with {} connections still open after {}s", left, config.shutdownGraceSeconds());
    }
    // members leave the cluster now, not when this node's liveness key lapses
    leaveCluster(3000);
    resources.close();
    LOG.info("stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
  }

  /** Whether a stop has begun ({@code /ready} answers 503 from then on). */
  public boolean draining() {
    return draining.get();
  }

  /** Sleeps until {@code deadline} (System.nanoTime) or until {@code done}, checked every 20 ms. */
  private static void sleepUntil(long deadline, java.util.function.BooleanSupplier done) {
    while (System.nanoTime() < deadline && !done.getAsBoolean()) {
      try {
        Thread.sleep(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
