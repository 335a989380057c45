package dev.beacon.server.transport;

import dev.beacon.core.hub.Lane;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.protocol.pusher.PusherError;
import dev.beacon.server.config.BeaconConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One event loop: an HTTP server sharing the port with the other loops, its lane, and the routes.
 * WebSocket upgrades to {@code /app/{key}} become Pusher sessions on this loop's lane; everything
 * else goes to the router.
 */
public final class EventLoopVerticle extends VerticleBase {

  private static final Pattern APP_PATH = Pattern.compile("/app/([^/]+)/?");
  /** The Convex client connects to {@code /api/{clientVersion}/sync}; {@code /api/sync} too. */
  private static final Pattern SYNC_PATH = Pattern.compile("/api/(?:[^/]+/)?sync/?");

  private final int port;
  private final BeaconConfig config;
  private final Lane lane;
  private final BoundExecutor executor;
  private final PusherChannels pusher;
  private final dev.beacon.core.live.SyncService sync;
  private final Consumer<Router> routes;
  private final BooleanSupplier draining;
  private final java.util.concurrent.atomic.AtomicInteger openSockets;
  private final SharedFrame sharedFrame = new SharedFrame();
  private HttpServer server;

  public EventLoopVerticle(int port, BeaconConfig config, Lane lane, BoundExecutor executor,
      PusherChannels pusher, dev.beacon.core.live.SyncService sync, Consumer<Router> routes,
      BooleanSupplier draining, java.util.concurrent.atomic.AtomicInteger openSockets) {
    this.port = port;
    this.config = config;
    this.lane = lane;
    this.executor = executor;
    this.pusher = pusher;
    this.sync = sync;
    this.routes = routes;
    this.draining = draining;
    this.openSockets = openSockets;
  }

  @Override
  public Future<?> start() {
    executor.bind(context);
    vertx.setPeriodic(100, id -> lane.tick());
    Router router = Router.router(vertx);
    routes.accept(router);
    int largestMessage = Math.max(config.maxMessageBytes(), config.maxSyncMessageBytes());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(port)
        // the larger of the two limits; each kind of socket enforces its own (close 1009)
        .setMaxWebSocketFrameSize(largestMessage)
        .setMaxWebSocketMessageSize(largestMessage)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout(0)
        // every write happens on the connection's own event loop (its lane), so Vert.x needs
        // no cross-thread write queue per connection (4-5 KB each)
        .setStrictThreadMode(true)
        // how long a close frame waits for the client's answer before the socket is dropped
        .setWebSocketClosingTimeout(Math.max(1, Math.min(5, config.shutdownGraceSeconds())));
    server = vertx.createHttpServer(options).requestHandler(req -> {
      if (req.path().startsWith("/app/") && req.canUpgradeToWebSocket()) {
        pusherUpgrade(req);
      } else if (SYNC_PATH.matcher(req.path()).matches() && req.canUpgradeToWebSocket()) {
        syncUpgrade(req);
      } else if (malformedQuery(req)) {
        // refused here: a body handler would otherwise meet the same error after reading the
        // body, with no one left to answer the request
        req.response().setStatusCode(400).putHeader("content-type", "application/json; charset=utf-8")
            .end("{\"error\":\"Bad request: the query string is not valid percent-encoding\"}");
      } else {
        router.handle(req);
      }
    });
    return server.listen();
  }

  private static boolean malformedQuery(HttpServerRequest req) {
    if (req.query() == null) {
      return false;
    }
    try {
      req.params();
      return false;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /** The port the server listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  private void pusherUpgrade(HttpServerRequest req) {
    Matcher m = APP_PATH.matcher(req.path());
    String key = m.matches() ? m.group(1) : null;
    String protocol = req.getParam("protocol");
    int version = parseOr(protocol, 7);
    req.toWebSocket().onSuccess(ws -> {
      if (draining.getAsBoolean()) {
        // not 4200: a client told to reconnect at once would come straight back to this server
        // in a tight loop; 4100 makes it back off while the load balancer moves it elsewhere
        PusherWebSocket.refuse(ws, new PusherChannels.Refusal(PusherError.OVER_CAPACITY,
            "Server is shutting down; reconnect shortly"), version);
        return;
      }
      if (key == null) {
        PusherWebSocket.refuse(ws, new PusherChannels.Refusal(PusherError.PATH_NOT_FOUND,
            "Path not found: connect to /app/{key}"), version);
        return;
      }
      PusherChannels.Admission admission = pusher.admit(key, protocol);
      if (admission instanceof PusherChannels.Admission.Refused r) {
        PusherWebSocket.refuse(ws, r.refusal(), version);
      } else {
        PusherWebSocket.open(ws, lane, pusher, (PusherChannels.Admission.Admitted) admission,
            config.maxBufferedBytes(), config.maxMessageBytes(), openSockets, sharedFrame);
      }
    });
  }

  private void syncUpgrade(HttpServerRequest req) {
    req.toWebSocket().onSuccess(ws -> {
      if (draining.getAsBoolean()) {
        ws.close((short) 1013, "Server is shutting down; reconnect shortly");
        return;
      }
      SyncWebSocket.open(ws, lane, sync, config.maxBufferedBytes(), config.maxSyncMessageBytes(),
          openSockets);
    });
  }

  private static int parseOr(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
