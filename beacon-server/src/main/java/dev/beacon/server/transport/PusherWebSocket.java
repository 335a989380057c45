package dev.beacon.server.transport;

import dev.beacon.core.hub.Lane;
import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.core.pusher.PusherSession;
import dev.beacon.core.pusher.PusherTransport;
import dev.beacon.protocol.pusher.PusherError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x server WebSocket as a {@link PusherTransport}.
 *
 * <p>Frames are written straight to the Netty pipeline without a flush, and flushed once per batch
 * by the lane; Vert.x's own write path would flush every frame. A payload fanned out to many
 * connections is framed once per event loop ({@link SharedFrame}) and the same bytes written to
 * each. Writes happen only on the connection's event loop, which is its lane's thread.
 *
 * <p>Slow consumers: when more than {@code maxBufferedBytes} are waiting to be written, the
 * connection is closed with 4100 (over capacity; the client reconnects after backing off), so
 * one client that stops reading cannot grow the heap.
 */
final class PusherWebSocket implements PusherTransport {

  private static final Logger LOG = LoggerFactory.getLogger(PusherWebSocket.class);

  private final ServerWebSocket ws;
  private final ChannelHandlerContext ctx;
  private final Channel channel;
  private final Lane lane;
  private final long maxBufferedBytes;
  private final SharedFrame shared;
  private PusherSession session;
  private boolean closed;

  private PusherWebSocket(ServerWebSocket ws, Lane lane, long maxBufferedBytes, SharedFrame shared) {
    this.ws = ws;
    this.ctx = ((io.vertx.core.http.impl.websocket.WebSocketImplBase<?>) ws).channelHandlerContext();
    this.channel = ctx.channel();
    this.lane = lane;
    this.maxBufferedBytes = maxBufferedBytes;
    this.shared = shared;
    if (!channel.eventLoop().inEventLoop()) {
      throw new IllegalStateException("a WebSocket must be opened on its own event loop");
    }
  }

  /** Opens a Pusher session on an accepted WebSocket. */
  static void open(ServerWebSocket ws, Lane lane, PusherChannels service,
      PusherChannels.Admission.Admitted admitted, long maxBufferedBytes, int maxMessageBytes,
      java.util.concurrent.atomic.AtomicInteger openSockets, SharedFrame shared) {
    PusherWebSocket transport = new PusherWebSocket(ws, lane, maxBufferedBytes, shared);
    openSockets.incrementAndGet();
    PusherSession session = service.open(admitted, lane, transport);
    transport.session = session;
    ws.textMessageHandler(text -> {
      if (!tooLarge(ws, text, maxMessageBytes)) {
        session.onText(text);
      }
    });
    ws.binaryMessageHandler(b -> {
      if (b.length() > maxMessageBytes) {
        closeTooLarge(ws, maxMessageBytes);
      } else {
        session.onBinary();
      }
    });
    ws.frameHandler(frame -> {
      if (frame.isPing() || frame.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
        session.onActivity();
      }
    });
    ws.exceptionHandler(e -> {
      LOG.debug("WebSocket {} failed: {}", session.socketId(), e.toString());
      closeOnProtocolError(ws, e);
    });
    ws.closeHandler(v -> {
      transport.closed = true;
      openSockets.decrementAndGet();
      session.onClosed();
    });
  }

  /** Refuses a connection: a {@code pusher:error} for old clients, then the close code. */
  static void refuse(ServerWebSocket ws, PusherChannels.Refusal refusal, int protocol) {
    if (protocol < 6) {
      ws.writeTextMessage("{\"event\":\"pusher:error\",\"data\":{\"code\":"
          + refusal.error().code() + ",\"message\":"
          + dev.beacon.protocol.json.Json.quote(refusal.reason()) + "}}");
    }
    ws.close((short) refusal.error().code(), truncateReason(refusal.reason()));
  }

  @Override
  public void write(byte[] utf8Json) {
    if (closed) {
      return;
    }
    ctx.write(shared.frameFor(utf8Json, ctx.alloc()), ctx.voidPromise());
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    if (buffer != null && buffer.totalPendingWriteBytes() > maxBufferedBytes) {
      closed = true;
      long pending = buffer.totalPendingWriteBytes();
      LOG.info("closing slow consumer {}: {} bytes waiting to be written (limit {})",
          session.socketId(), pending, maxBufferedBytes);
      // not from inside a fan-out loop: close on the next turn of the lane
      lane.submitControl(() -> {
        session.close(PusherError.OVER_CAPACITY.code(),
            "Over capacity: the client is not reading its messages");
        ws.close((short) PusherError.OVER_CAPACITY.code(), "Over capacity");
        // the close frame waits behind what the client does not read: drop the connection
        dropUnlessClosed(channel, 0);
      });
    }
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public void ping() {
    if (!closed) {
      ctx.write(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }
  }

  @Override
  public void close(int code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    ctx.flush();
    ws.close((short) code, truncateReason(reason));
    dropUnlessClosed(channel, CLOSE_GRACE_SECONDS);
  }

  /** How long a client has to answer a close frame before its connection is dropped. */
  static final long CLOSE_GRACE_SECONDS = 10;

  /**
   * Closes the TCP connection after {@code seconds} unless it closed by then: a close frame is
   * written after everything queued before it, so a client that does not read would otherwise
   * keep its socket and its buffered frames for good.
   */
  static void dropUnlessClosed(Channel channel, long seconds) {
    Runnable drop = () -> {
      if (channel.isOpen()) {
        // a reset, not a FIN: the kernel would otherwise keep the socket and what the client
        // does not read in its send buffer until the client reads again
        channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
        channel.close();
      }
    };
    if (seconds == 0) {
      channel.eventLoop().execute(drop);
    } else {
      channel.eventLoop().schedule(drop, seconds, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /**
   * Whether a text message is over {@code max} bytes of UTF-8; if so the connection is closed
   * with 1009. The transport accepts messages up to the larger of the Pusher and sync limits, so
   * each kind of socket checks its own.
   */
  static boolean tooLarge(ServerWebSocket ws, String text, int max) {
    // a char is 1 to 3 bytes of UTF-8: count only when the length alone cannot decide
    if (text.length() <= max / 3
        || (text.length() <= max && io.netty.buffer.ByteBufUtil.utf8Bytes(text) <= max)) {
      return false;
    }
    closeTooLarge(ws, max);
    return true;
  }

  static void closeTooLarge(ServerWebSocket ws, int max) {
    if (!ws.isClosed()) {
      ws.close((short) 1009, "Message over the " + max + " bytes this server accepts");
    }
  }

  /**
   * A frame the decoder refused (too large: 1009, unmasked or malformed: 1002) closes the
   * connection with the code RFC 6455 gives it, so the client can tell why, rather than 1000.
   */
  static void closeOnProtocolError(ServerWebSocket ws, Throwable e) {
    if (ws.isClosed()) {
      return;
    }
    if (e instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException c) {
      io.netty.handler.codec.http.websocketx.WebSocketCloseStatus status = c.closeStatus();
      ws.close((short) status.code(), truncateReason(c.getMessage() == null ? status.reasonText()
          : c.getMessage()));
    } else if (e instanceof IllegalStateException && e.getMessage() != null
        && e.getMessage().contains("max message size")) {
      // a message in several frames that grew past the limit: Vert.x drops it and says so here
      ws.close((short) 1009, truncateReason(e.getMessage()));
    }
  }

  /** A close reason is at most 123 bytes of UTF-8. */
  static String truncateReason(String reason) {
    byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= 123) {
      return reason;
    }
    String cut = reason;
    while (cut.getBytes(StandardCharsets.UTF_8).length > 120) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "...";
  }
}
