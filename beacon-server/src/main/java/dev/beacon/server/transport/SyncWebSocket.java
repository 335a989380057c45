package dev.beacon.server.transport;

import dev.beacon.core.hub.Lane;
import dev.beacon.core.live.SyncService;
import dev.beacon.core.live.SyncSession;
import dev.beacon.core.live.SyncTransport;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x server WebSocket as a Convex sync {@link SyncTransport}: frames written and flushed
 * on the connection's event loop, and the same slow-consumer bound as Pusher connections (a
 * client that stops reading is closed rather than buffered without end).
 */
final class SyncWebSocket implements SyncTransport {

  private static final Logger LOG = LoggerFactory.getLogger(SyncWebSocket.class);

  private final ServerWebSocket ws;
  private final ChannelHandlerContext ctx;
  private final long maxBufferedBytes;
  private final Lane lane;
  private SyncSession session;
  private boolean closed;

  private SyncWebSocket(ServerWebSocket ws, Lane lane, long maxBufferedBytes) {
    this.ws = ws;
    this.ctx = ((io.vertx.core.http.impl.websocket.WebSocketImplBase<?>) ws).channelHandlerContext();
    this.lane = lane;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  static void open(ServerWebSocket ws, Lane lane, SyncService service, long maxBufferedBytes,
      int maxMessageBytes, AtomicInteger openSockets) {
    SyncWebSocket transport = new SyncWebSocket(ws, lane, maxBufferedBytes);
    openSockets.incrementAndGet();
    SyncSession session = service.open(lane, transport);
    transport.session = session;
    ws.textMessageHandler(text -> {
      if (!PusherWebSocket.tooLarge(ws, text, maxMessageBytes)) {
        session.onText(text);
        lane.flushDirty();
      }
    });
    ws.frameHandler(frame -> session.onActivity());
    ws.exceptionHandler(e -> {
      LOG.debug("sync WebSocket failed: {}", e.toString());
      PusherWebSocket.closeOnProtocolError(ws, e);
    });
    ws.closeHandler(v -> {
      transport.closed = true;
      openSockets.decrementAndGet();
      session.onClosed();
    });
  }

  @Override
  public void send(String text) {
    if (closed) {
      return;
    }
    ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))),
        ctx.voidPromise());
    ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
    if (buffer != null && buffer.totalPendingWriteBytes() > maxBufferedBytes) {
      closed = true;
      LOG.info("closing slow sync client: {} bytes waiting to be written (limit {})",
          buffer.totalPendingWriteBytes(), maxBufferedBytes);
      lane.submitControl(() -> {
        session.onClosed();
        ws.close((short) 1013, "Client is not reading its messages");
        PusherWebSocket.dropUnlessClosed(ctx.channel(), 0);
      });
    }
  }

  @Override
  public void ping() {
    if (!closed) {
      ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }
  }

  @Override
  public void close(int code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    ws.close((short) code, PusherWebSocket.truncateReason(reason));
    PusherWebSocket.dropUnlessClosed(ctx.channel(), PusherWebSocket.CLOSE_GRACE_SECONDS);
  }
}
