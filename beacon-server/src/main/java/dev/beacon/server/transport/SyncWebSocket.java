package dev.beacon.server.transport;

import dev.beacon.core.live.SyncService;
import dev.beacon.core.live.SyncSession;
import dev.beacon.core.live.SyncTransport;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Convex sync WebSocket on plain Netty: a {@link SyncTransport} for its session, frames written
 * and flushed on the connection's event loop, and the same slow-consumer bound as Pusher
 * connections (1013, and the TCP connection reset).
 */
final class SyncWebSocket extends WebSocketConnection implements SyncTransport {

  private static final Logger LOG = LoggerFactory.getLogger(SyncWebSocket.class);

  private SyncSession session;

  SyncWebSocket(WebSocketLoop loop, int maxMessageBytes) {
    super(loop, maxMessageBytes);
  }

  /** Opens the session; on the connection's event loop, once the handler is in the pipeline. */
  void start(SyncService service) {
    loop.openSockets.incrementAndGet();
    session = service.open(loop.lane, this);
    if (LOG.isDebugEnabled()) {
      fields(LOG.atDebug()).log("sync WebSocket opened from {}", ctx.channel().remoteAddress());
    }
  }

  @Override
  void onText(String text) {
    session.onText(text);
    loop.lane.flushDirty();
  }

  @Override
  void onBinary(ByteBuf content) {
    session.onActivity();
  }

  @Override
  void onActivity() {
    if (session != null) {
      session.onActivity();
    }
  }

  @Override
  void onClosed() {
    if (session != null) {
      session.onClosed();
    }
  }

  @Override
  org.slf4j.spi.LoggingEventBuilder fields(org.slf4j.spi.LoggingEventBuilder line) {
    org.slf4j.spi.LoggingEventBuilder out = super.fields(line.addKeyValue("protocol", "sync"));
    if (session != null) {
      java.util.Optional<String> user = session.userId();
      if (user.isPresent()) {
        out = out.addKeyValue("user", user.get());
      }
      if (!session.appId().isEmpty()) {
        out = out.addKeyValue("app", session.appId());
      }
    }
    return out;
  }

  @Override
  String describe() {
    return "sync WebSocket " + (ctx == null ? "" : ctx.channel().remoteAddress());
  }

  @Override
  public void send(String text) {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void send(byte[] utf8) {
    if (state != OPEN) {
      return;
    }
    ctx.writeAndFlush(Frames.text(ctx.alloc(), utf8), ctx.voidPromise());
    long pending = pendingBytes();
    if (pending > loop.maxBufferedBytes) {
      state = CLOSING;
      LOG.info("closing slow sync client {}: {} bytes waiting to be written (limit {})",
          ctx.channel().remoteAddress(), pending, loop.maxBufferedBytes);
      loop.lane.submitControl(() -> {
        session.onClosed();
        ctx.writeAndFlush(Frames.close(ctx.alloc(), 1013, "Client is not reading its messages"),
            ctx.voidPromise());
        dropNow(ctx.channel());
      });
    }
  }

  @Override
  public void ping() {
    if (state == OPEN) {
      ctx.writeAndFlush(Frames.ping(), ctx.voidPromise());
    }
  }

  @Override
  public void close(int code, String reason) {
    super.close(code, reason);
  }
}
