package dev.beacon.server.transport;

import dev.beacon.core.pusher.PusherChannels;
import dev.beacon.core.pusher.PusherSession;
import dev.beacon.core.pusher.PusherTransport;
import dev.beacon.protocol.pusher.PusherError;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Pusher WebSocket on plain Netty: a {@link PusherTransport} for its session.
 *
 * <p>Frames are written without a flush and flushed once per batch by the lane. A payload fanned
 * out to many connections is framed once per event loop ({@link SharedFrame}) and the same bytes
 * written to each. Writes happen only on the connection's event loop, which is its lane's thread.
 *
 * <p>Slow consumers: when more than {@code maxBufferedBytes} are waiting to be written, the
 * session is closed with 4100 (over capacity; the client reconnects after backing off) and the
 * TCP connection reset, so one client that stops reading cannot grow the heap or keep its socket.
 */
final class PusherWebSocket extends WebSocketConnection implements PusherTransport {

  private static final Logger LOG = LoggerFactory.getLogger(PusherWebSocket.class);

  private PusherSession session;

  private PusherWebSocket(WebSocketLoop loop, int maxMessageBytes) {
    super(loop, maxMessageBytes);
  }

  /** The handler of a new connection, to be added to its pipeline before {@link #start}. */
  static PusherWebSocket create(WebSocketLoop loop, int maxMessageBytes) {
    return new PusherWebSocket(loop, maxMessageBytes);
  }

  /** Opens the session; on the connection's event loop, once the handler is in the pipeline. */
  void start(PusherChannels service, PusherChannels.Admission.Admitted admitted) {
    loop.openSockets.incrementAndGet();
    session = service.open(admitted, loop.lane, this);
    if (LOG.isDebugEnabled()) {
      fields(LOG.atDebug()).log("Pusher WebSocket {} opened from {}", session.socketId(),
          ctx.channel().remoteAddress());
    }
  }

  @Override
  void onText(String text) {
    session.onText(text);
  }

  @Override
  void onBinary(ByteBuf content) {
    session.onBinary();
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
    return session == null ? super.fields(line) : super.fields(line.addKeyValue("app", session.appId())
        .addKeyValue("socket_id", session.socketId()));
  }

  @Override
  String describe() {
    return "Pusher WebSocket " + (session == null ? ctx.channel().remoteAddress() : session.socketId());
  }

  @Override
  public void write(byte[] utf8Json) {
    if (state != OPEN) {
      return;
    }
    ctx.write(loop.sharedFrame.frameFor(utf8Json, ctx.alloc()), ctx.voidPromise());
    long pending = pendingBytes();
    if (pending > loop.maxBufferedBytes) {
      state = CLOSING;
      LOG.info("closing slow consumer {}: {} bytes waiting to be written (limit {})",
          session.socketId(), pending, loop.maxBufferedBytes);
      // not from inside a fan-out loop: close on the next turn of the lane
      loop.lane.submitControl(() -> {
        session.close(PusherError.OVER_CAPACITY.code(),
            "Over capacity: the client is not reading its messages");
        ctx.writeAndFlush(Frames.close(ctx.alloc(), PusherError.OVER_CAPACITY.code(), "Over capacity"),
            ctx.voidPromise());
        dropNow(ctx.channel());
      });
    }
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public void ping() {
    if (state == OPEN) {
      ctx.write(Frames.ping(), ctx.voidPromise());
    }
  }

  @Override
  public void close(int code, String reason) {
    super.close(code, reason);
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
