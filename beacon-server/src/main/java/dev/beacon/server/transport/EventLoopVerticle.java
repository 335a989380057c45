package dev.beacon.server.transport;

import dev.beacon.core.hub.Lane;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.server.config.BeaconConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One event loop: an HTTP server sharing the port with the other loops, its lane, and the routes.
 * On every connection it accepts, {@link HttpGuard} holds the request deadlines and
 * {@link WebSocketUpgrade} takes Pusher and sync WebSocket upgrades away from Vert.x onto plain
 * Netty handlers on this loop's lane; every other request goes to the router.
 */
public final class EventLoopVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventLoopVerticle.class);

  private final int port;
  private final BeaconConfig config;
  private final Lane lane;
  private final BoundExecutor executor;
  private final PusherChannels pusher;
  private final dev.beacon.core.live.SyncService sync;
  private final Consumer<Router> routes;
  private final BooleanSupplier draining;
  private final WebSockets webSockets;
  private final HttpGuard.Limits guard;
  private HttpServer server;
  /** The PEM files the server's TLS was last built from. */
  private byte[] tlsCert;
  private byte[] tlsKey;
  private boolean tlsReloading;

  /** How often the TLS files are checked for a change. */
  static final long TLS_POLL_MILLIS = 2000;

  public EventLoopVerticle(int port, BeaconConfig config, Lane lane, BoundExecutor executor,
      PusherChannels pusher, dev.beacon.core.live.SyncService sync, Consumer<Router> routes,
      BooleanSupplier draining, WebSockets webSockets, HttpGuard.Limits guard) {
    this.port = port;
    this.config = config;
    this.lane = lane;
    this.executor = executor;
    this.pusher = pusher;
    this.sync = sync;
    this.routes = routes;
    this.draining = draining;
    this.webSockets = webSockets;
    this.guard = guard;
  }

  @Override
  public Future<?> start() {
    executor.bind(context);
    vertx.setPeriodic(100, id -> lane.tick());
    Router router = Router.router(vertx);
    routes.accept(router);
    WebSocketLoop loop = new WebSocketLoop(lane, config.maxBufferedBytes(), webSockets.openSockets());
    WebSocketUpgrade upgrade = new WebSocketUpgrade(loop, pusher, sync, draining,
        config.maxMessageBytes(), config.maxSyncMessageBytes());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(port)
        // the Pusher and sync WebSockets are served by WebSocketUpgrade, ahead of Vert.x
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
        // every write happens on the connection's own event loop, so Vert.x needs no
        // cross-thread write queue per connection (4-5 KB each)
        .setStrictThreadMode(true);
    if (config.transport().tls()) {
      // TLS from PEM files, read again every few seconds and swapped in when they change
      tlsCert = readFile(config.transport().tlsCertFile().get());
      tlsKey = readFile(config.transport().tlsKeyFile().get());
      options.setSsl(true).setKeyCertOptions(pem(tlsCert, tlsKey));
      vertx.setPeriodic(TLS_POLL_MILLIS, id -> reloadTls());
    }
    server = vertx.createHttpServer(options).connectionHandler(conn -> {
      io.netty.channel.ChannelPipeline pipeline =
          ((io.vertx.core.http.impl.HttpServerConnection) conn).channelHandlerContext().pipeline();
      webSockets.accepted(pipeline.channel());
      HttpGuard.install(pipeline, guard);
      upgrade.install(pipeline);
    });
    server.requestHandler(req -> {
      boolean pusherPath = req.path().startsWith("/app/");
      boolean syncPath = !pusherPath && WebSocketUpgrade.SYNC_PATH.matcher(req.path()).matches();
      if ((pusherPath || syncPath) && req.method() == io.vertx.core.http.HttpMethod.GET) {
        // a WebSocket endpoint asked for without a (valid) upgrade (RFC 9110 section 15.5.22);
        // valid upgrades never reach Vert.x
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

  private static io.vertx.core.net.PemKeyCertOptions pem(byte[] cert, byte[] key) {
    return new io.vertx.core.net.PemKeyCertOptions()
        .setCertValue(io.vertx.core.buffer.Buffer.buffer(cert))
        .setKeyValue(io.vertx.core.buffer.Buffer.buffer(key));
  }

  private static byte[] readFile(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read TLS file " + file, e);
    }
  }

  /**
   * Reads the certificate and key again; if either changed, new connections get the new pair
   * (open ones keep theirs). A pair that does not load (a file half-written, a key that does not
   * match) is logged and tried again at the next check, and the old pair stays.
   */
  private void reloadTls() {
    if (tlsReloading) {
      return;
    }
    tlsReloading = true;
    java.nio.file.Path certFile = config.transport().tlsCertFile().get();
    java.nio.file.Path keyFile = config.transport().tlsKeyFile().get();
    io.vertx.core.file.FileSystem fs = vertx.fileSystem();
    Future.all(fs.readFile(certFile.toString()), fs.readFile(keyFile.toString())).compose(files -> {
      byte[] cert = files.<io.vertx.core.buffer.Buffer>resultAt(0).getBytes();
      byte[] key = files.<io.vertx.core.buffer.Buffer>resultAt(1).getBytes();
      if (java.util.Arrays.equals(cert, tlsCert) && java.util.Arrays.equals(key, tlsKey)) {
        return Future.succeededFuture();
      }
      return server.updateSSLOptions(new io.vertx.core.net.ServerSSLOptions()
          .setKeyCertOptions(pem(cert, key)), true).onSuccess(updated -> {
            tlsCert = cert;
            tlsKey = key;
            if (lane.index() == 0) {
              LOG.info("TLS certificate reloaded from {} and {}", certFile, keyFile);
            }
          });
    }).onComplete(done -> {
      tlsReloading = false;
      if (done.failed() && lane.index() == 0) {
        LOG.warn("TLS files {} and {} changed but do not load (the old certificate stays): {}",
            certFile, keyFile, done.cause().getMessage());
      }
    });
  }

  /** The port the server listens on. */
  public int actualPort() {
    return server.actualPort();
  }
}
