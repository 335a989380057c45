package dev.beacon.server.transport;

import dev.beacon.core.live.SyncService;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.protocol.pusher.PusherError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the Pusher ({@code /app/{key}}) and Convex sync ({@code /api/sync},
 * {@code /api/{version}/sync}) WebSocket upgrades away from Vert.x: it sits behind Vert.x's HTTP
 * decoder on every HTTP connection, and a valid upgrade request to one of those paths never
 * reaches Vert.x. It answers the handshake itself (RFC 6455 section 4.2.2), removes every HTTP
 * handler from the pipeline (Vert.x's connection, its encoder, the request deadline, the idle
 * timeout), puts Netty's frame decoder in the HTTP decoder's place, and adds the session's
 * handler ({@link PusherWebSocket}, {@link SyncWebSocket}) on the same event loop, which is the
 * lane's. Anything else, including a request to those paths that is not a valid upgrade, goes
 * on to Vert.x (which answers 426).
 *
 * <p>One instance per event loop, shared by its connections: it keeps no per-connection state.
 */
@ChannelHandler.Sharable
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketUpgrade.class);

  static final String NAME = "beacon-websocket-upgrade";
  private static final Pattern APP_PATH = Pattern.compile("/app/([^/]+)/?");
  /** The Convex client connects to {@code /api/{clientVersion}/sync}; {@code /api/sync} too. */
  static final Pattern SYNC_PATH = Pattern.compile("/api/(?:[^/]+/)?sync/?");
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  /** Vert.x's HTTP handlers that a WebSocket leaves behind (those present are removed). */
  private static final List<String> HTTP_HANDLERS =
      List.of("handler", "idle", "httpEncoder", "chunkedWriter", "inflater", "deflater");

  private final WebSocketLoop loop;
  private final PusherChannels pusher;
  private final SyncService sync;
  private final BooleanSupplier draining;
  private final int maxPusherMessage;
  private final int maxSyncMessage;
  private final WebSocketDecoderConfig decoderConfig;

  WebSocketUpgrade(WebSocketLoop loop, PusherChannels pusher, SyncService sync,
      BooleanSupplier draining, int maxPusherMessage, int maxSyncMessage) {
    this.loop = loop;
    this.pusher = pusher;
    this.sync = sync;
    this.draining = draining;
    this.maxPusherMessage = maxPusherMessage;
    this.maxSyncMessage = maxSyncMessage;
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        // the larger of the two limits; each kind of socket enforces its own (close 1009)
        .maxFramePayloadLength(Math.max(maxPusherMessage, maxSyncMessage))
        .expectMaskedFrames(true)
        .allowMaskMismatch(false)
        .allowExtensions(false)
        // the connection's handler writes the close frame (there is no frame encoder)
        .closeOnProtocolViolation(false)
        .withUTF8Validator(false)
        .build();
  }

  /** Installs the upgrade handler on a fresh HTTP connection (behind the HTTP decoder). */
  void install(ChannelPipeline pipeline) {
    pipeline.addBefore("handler", NAME, this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && isUpgrade(request)) {
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      String path = uri.path();
      if (path.startsWith("/app/")) {
        Matcher m = APP_PATH.matcher(path);
        List<String> protocol = uri.parameters().get("protocol");
        upgradePusher(ctx, request, m.matches() ? m.group(1) : null,
            protocol == null || protocol.isEmpty() ? null : protocol.get(0));
        return;
      }
      if (SYNC_PATH.matcher(path).matches()) {
        upgradeSync(ctx, request);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** A WebSocket version 13 upgrade request with a key (RFC 6455 section 4.2.1). */
  private static boolean isUpgrade(HttpRequest request) {
    HttpHeaders h = request.headers();
    return request.method() == HttpMethod.GET
        && h.containsValue(HttpHeaderNames.UPGRADE, "websocket", true)
        && h.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)
        && "13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))
        && h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY) != null
        && request.uri().startsWith("/");
  }

  private void upgradePusher(ChannelHandlerContext ctx, HttpRequest request, String key,
      String protocol) {
    int version = parseOr(protocol, 7);
    PusherChannels.Refusal refusal = null;
    PusherChannels.Admission admission = null;
    if (draining.getAsBoolean()) {
      // not 4200: a client told to reconnect at once would come straight back to this server
      // in a tight loop; 4100 makes it back off while the load balancer moves it elsewhere
      refusal = new PusherChannels.Refusal(PusherError.OVER_CAPACITY,
          "Server is shutting down; reconnect shortly");
    } else if (key == null) {
      refusal = new PusherChannels.Refusal(PusherError.PATH_NOT_FOUND,
          "Path not found: connect to /app/{key}");
    } else {
      admission = pusher.admit(key, protocol);
      if (admission instanceof PusherChannels.Admission.Refused r) {
        refusal = r.refusal();
      }
    }
    if (refusal != null) {
      LOG.debug("Pusher WebSocket from {} refused: {} {}", ctx.channel().remoteAddress(),
          refusal.error().code(), refusal.reason());
      ByteBuf before = version < 6 ? Frames.text(ctx.alloc(), ("{\"event\":\"pusher:error\","
          + "\"data\":{\"code\":" + refusal.error().code() + ",\"message\":"
          + dev.beacon.protocol.json.Json.quote(refusal.reason()) + "}}").getBytes(StandardCharsets.UTF_8))
          : null;
      refuse(ctx, request, before, refusal.error().code(), refusal.reason());
      return;
    }
    PusherWebSocket connection = PusherWebSocket.create(loop, maxPusherMessage);
    handshake(ctx, request, connection);
    connection.start(pusher, (PusherChannels.Admission.Admitted) admission);
    switchDecoder(ctx);
    ctx.channel().flush();
  }

  private void upgradeSync(ChannelHandlerContext ctx, HttpRequest request) {
    if (draining.getAsBoolean()) {
      refuse(ctx, request, null, 1013, "Server is shutting down; reconnect shortly");
      return;
    }
    SyncWebSocket connection = new SyncWebSocket(loop, maxSyncMessage);
    handshake(ctx, request, connection);
    connection.start(sync);
    switchDecoder(ctx);
    ctx.channel().flush();
  }

  /** Completes the handshake, then closes at once with {@code code}; the client hears why. */
  private void refuse(ChannelHandlerContext ctx, HttpRequest request, ByteBuf before, int code,
      String reason) {
    handshake(ctx, request, Closing.INSTANCE);
    if (before != null) {
      ctx.channel().write(before, ctx.channel().voidPromise());
    }
    ctx.channel().writeAndFlush(Frames.close(ctx.alloc(), code, reason), ctx.channel().voidPromise());
    switchDecoder(ctx);
    WebSocketConnection.dropAfter(ctx.channel(), WebSocketConnection.CLOSE_GRACE_SECONDS);
  }

  /**
   * Leaves HTTP: writes the 101 answer, removes the HTTP handlers and this one, and adds the
   * connection's handler at the end of the pipeline. The HTTP decoder stays until
   * {@link #switchDecoder}, once the session has started, so frames that came with the request
   * reach a session that exists.
   */
  private void handshake(ChannelHandlerContext ctx, HttpRequest request, ChannelInboundHandlerAdapter connection) {
    ChannelPipeline pipeline = ctx.pipeline();
    HttpGuard.remove(pipeline);
    for (String name : HTTP_HANDLERS) {
      if (pipeline.get(name) != null) {
        pipeline.remove(name);
      }
    }
    String accept = accept(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY));
    ReferenceCountUtil.release(request);
    ctx.channel().write(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\n"
        + "upgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: " + accept + "\r\n\r\n",
        StandardCharsets.US_ASCII), ctx.channel().voidPromise());
    pipeline.addLast("websocket", connection);
    pipeline.remove(this);
  }

  /** Netty's frame decoder in the HTTP decoder's place; bytes already read pass on to it. */
  private void switchDecoder(ChannelHandlerContext ctx) {
    ChannelPipeline pipeline = ctx.pipeline();
    if (pipeline.get("httpDecoder") != null) {
      pipeline.replace("httpDecoder", "wsdecoder", new WebSocket08FrameDecoder(decoderConfig));
    }
  }

  /**
   * One SHA-1 digest per event loop thread: looking the algorithm up for every handshake costs
   * more than the digest itself.
   */
  private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
    @Override
    protected MessageDigest initialValue() {
      try {
        return MessageDigest.getInstance("SHA-1");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is part of every JDK", e);
      }
    }
  };

  /** The {@code Sec-WebSocket-Accept} of a key. */
  static String accept(String key) {
    MessageDigest sha1 = SHA1.get();
    sha1.reset();
    return Base64.getEncoder().encodeToString(
        sha1.digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII)));
  }

  private static int parseOr(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** The handler of a refused connection: it waits for the client's close, then closes. */
  @ChannelHandler.Sharable
  static final class Closing extends ChannelInboundHandlerAdapter {
    static final Closing INSTANCE = new Closing();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean close = msg instanceof CloseWebSocketFrame;
      ReferenceCountUtil.release(msg);
      if (close) {
        ctx.channel().close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.channel().close();
    }
  }
}
