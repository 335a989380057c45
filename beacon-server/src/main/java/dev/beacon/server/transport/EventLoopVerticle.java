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
  private final HttpGuard.Limits guard;
  private final SharedFrame sharedFrame = new SharedFrame();
  private HttpServer server;

  public EventLoopVerticle(int port, BeaconConfig config, Lane lane, BoundExecutor executor,
      PusherChannels pusher, dev.beacon.core.live.SyncService sync, Consumer<Router> routes,
      BooleanSupplier draining, java.util.concurrent.atomic.AtomicInteger openSockets,
      HttpGuard.Limits guard) {
    this.port = port;
    this.config = config;
    this.lane = lane;
    this.executor = executor;
    this.pusher = pusher;
    this.sync = sync;
    this.routes = routes;
    this.draining = draining;
    this.openSockets = openSockets;
    this.guard = guard;
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
        // HTTP/1.1 only: with cleartext HTTP/2 on, Vert.x builds a connection's HTTP pipeline only
        // once its first bytes tell the two apart, and a silent connection would escape the
        // request deadline (HttpGuard)
        .setHttp2ClearTextEnabled(false)
        .setReuseAddress(true)
        // keep-alive connections idle between requests; WebSockets leave this behind
        .setIdleTimeout(config.transport().idleTimeoutSeconds())
        // every write happens on the connection's own event loop (its lane), so Vert.x needs
        // no cross-thread write queue per connection (4-5 KB each)
        .setStrictThreadMode(true)
        // how long a close frame waits for the client's answer before the socket is dropped
        .setWebSocketClosingTimeout(Math.max(1, Math.min(5, config.shutdownGraceSeconds())));
    server = vertx.createHttpServer(options).connectionHandler(conn -> HttpGuard.install(
        ((io.vertx.core.http.impl.HttpServerConnection) conn).channelHandlerContext().pipeline(), guard));
    server.requestHandler(req -> {
      boolean pusherPath = req.path().startsWith("/app/");
      boolean syncPath = !pusherPath && SYNC_PATH.matcher(req.path()).matches();
      if (pusherPath && req.canUpgradeToWebSocket()) {
        pusherUpgrade(req);
      } else if (syncPath && req.canUpgradeToWebSocket()) {
        syncUpgrade(req);
      } else if ((pusherPath || syncPath) && req.method() == io.vertx.core.http.HttpMethod.GET) {
        // a WebSocket endpoint asked for without an upgrade (RFC 9110 section 15.5.22)
        req.response().setStatusCode(426).putHeader("upgrade", "websocket")
            .putHeader("connection", "Upgrade")
            .putHeader("content-type", "application/json; charset=utf-8")
            .end("{\"error\":\"Upgrade Required: " + req.path() + " is a WebSocket endpoint\"}");
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
      leaveHttp(ws);
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
      leaveHttp(ws);
      if (draining.getAsBoolean()) {
        ws.close((short) 1013, "Server is shutting down; reconnect shortly");
        return;
      }
      SyncWebSocket.open(ws, lane, sync, config.maxBufferedBytes(), config.maxSyncMessageBytes(),
          openSockets);
    });
  }

  /** A WebSocket has no request deadline and no keep-alive idle timeout (it has pings). */
  private static void leaveHttp(io.vertx.core.http.ServerWebSocket ws) {
    io.netty.channel.ChannelPipeline pipeline =
        ((io.vertx.core.http.impl.websocket.WebSocketImplBase<?>) ws).channelHandlerContext().pipeline();
    HttpGuard.remove(pipeline);
    if (pipeline.get("idle") != null) {
      pipeline.remove("idle");
    }
    // text frames must be UTF-8 (RFC 6455 section 8.1): a violation fails the connection, 1007
    if (pipeline.get("wsdecoder") != null) {
      pipeline.addAfter("wsdecoder", "utf8", new io.netty.handler.codec.http.websocketx.Utf8FrameValidator(false));
    }
  }

  private static int parseOr(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
