package dev.beacon.server;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.Lanes;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.core.pusher.PusherHttpApi;
import dev.beacon.core.time.Clock;
import dev.beacon.server.config.BeaconConfig;
import dev.beacon.server.http.DevAuthRoutes;
import dev.beacon.server.http.JsonReplies;
import dev.beacon.server.http.OpsRoutes;
import dev.beacon.server.http.PusherApiRoutes;
import dev.beacon.server.metrics.MicrometerMetrics;
import dev.beacon.server.transport.BoundExecutor;
import dev.beacon.server.transport.EventLoopVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final MicrometerMetrics metrics;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger openSockets = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final int port;

  private BeaconServer(BeaconConfig config) {
    this.config = config;
    this.apps = Apps.of(config.apps());
    this.metrics = new MicrometerMetrics();
    Clock clock = Clock.system();
    int loops = config.eventLoops();
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(false));
    List<Lane> laneList = new ArrayList<>(loops);
    List<BoundExecutor> executors = new ArrayList<>(loops);
    for (int i = 0; i < loops; i++) {
      BoundExecutor executor = new BoundExecutor();
      executors.add(executor);
      laneList.add(new Lane(i, executor, clock, config.laneQueueLimit()));
    }
    Lanes lanes = new Lanes(laneList);
    ChannelHub hub = new ChannelHub(lanes, clock, metrics, ClusterBus.LOCAL,
        config.pusher().cacheTtlSeconds() * 1000L, config.pusher().maxCachedChannels());
    this.pusher = new PusherChannels(apps, hub, config.pusher(), metrics);
    PusherHttpApi api = new PusherHttpApi(pusher, clock);
    registerGauges(hub, lanes);

    PusherApiRoutes apiRoutes = new PusherApiRoutes(api, metrics, config.maxRequestBytes());
    OpsRoutes ops = new OpsRoutes(metrics, () -> !draining.get());
    DevAuthRoutes devAuth = config.development() ? new DevAuthRoutes(apps) : null;
    java.util.function.Consumer<Router> routes = router -> {
      ops.mount(router);
      apiRoutes.mount(router);
      if (devAuth != null) {
        devAuth.mount(router);
      }
      router.get("/").handler(ctx -> JsonReplies.reply(ctx, 200, "{\"name\":\"Beacon\","
          + "\"pusher_websocket\":\"/app/{key}\",\"pusher_http_api\":\"/apps/{app_id}/...\","
          + "\"health\":\"/health\",\"metrics\":\"/metrics\"}"));
      router.route().last().handler(ctx -> JsonReplies.error(ctx, 404,
          "No route for " + ctx.request().method() + " " + ctx.request().path()));
      router.route().failureHandler(ctx -> {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (ctx.failure() != null && status == 500) {
          LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
        }
        JsonReplies.error(ctx, status, JsonReplies.reason(status));
      });
    };

    // every loop listens on the same port (Vert.x shares it between them); for port 0 a free
    // port is chosen first, and chosen again if another process takes it in between
    int bound = -1;
    Exception failure = null;
    for (int attempt = 0; attempt < 5 && bound < 0; attempt++) {
      int candidate = config.port() == 0 ? freePort(config.host()) : config.port();
      AtomicInteger next = new AtomicInteger();
      try {
        vertx.deployVerticle(() -> {
          int i = next.getAndIncrement();
          return new EventLoopVerticle(candidate, config, lanes.get(i), executors.get(i), pusher,
              routes, draining::get, openSockets);
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
      vertx.close();
      throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port()
          + ": " + rootMessage(failure), failure);
    }
    this.port = bound;
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + host, e);
    }
  }

  /** Builds and starts a server; returns once it listens. */
  public static BeaconServer start(BeaconConfig config) {
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data_dir " + config.dataDir(), e);
    }
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
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(metrics.registry());
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

  public MicrometerMetrics metrics() {
    return metrics;
  }

  /**
   * Graceful shutdown: refuse new connections, ask every client to reconnect (4200), wait up to
   * the grace period for them to go, then close. Idempotent.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    draining.set(true);
    pusher.closeAll("Server is shutting down; reconnect");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.shutdownGraceSeconds());
    // sessions end at once; wait for the sockets themselves, so clients hear the 4200
    while (System.nanoTime() < deadline && openSockets.get() > 0) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = openSockets.get();
    if (left > 0) {
      LOG.warn("closing with {} connections still open after {}s", left, config.shutdownGraceSeconds());
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("event loops did not stop cleanly: {}", rootMessage(e));
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
