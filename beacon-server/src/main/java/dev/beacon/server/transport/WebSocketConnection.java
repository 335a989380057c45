package dev.beacon.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server WebSocket on plain Netty, after the handshake: the last handler of its channel,
 * behind Netty's frame decoder, on the connection's event loop (its lane's thread).
 *
 * <p>It puts fragmented messages together (up to the endpoint's message limit: 1009 past it),
 * checks that text is UTF-8 (1007 otherwise), answers pings, echoes the client's close, and
 * closes with the code RFC 6455 gives a frame the decoder refused. Frames are written as ready
 * buffers ({@link Frames}, {@link SharedFrame}); there is no encoder in the pipeline. It keeps
 * nothing per connection beyond its session, its context, a state and, only while a fragmented
 * message is arriving, that message's bytes.
 */
abstract class WebSocketConnection extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketConnection.class);

  /** How long a client has to answer a close frame before its connection is dropped. */
  static final long CLOSE_GRACE_SECONDS = 10;

  static final byte OPEN = 0;
  /** A close frame was sent (or the client stopped reading): nothing more is written. */
  static final byte CLOSING = 1;
  static final byte CLOSED = 2;

  final WebSocketLoop loop;
  private final int maxMessageBytes;
  ChannelHandlerContext ctx;
  byte state = OPEN;
  private ByteBuf partial;
  private boolean partialText;

  WebSocketConnection(WebSocketLoop loop, int maxMessageBytes) {
    this.loop = loop;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** A complete text message, valid UTF-8 and within the limit. */
  abstract void onText(String text);

  /** A complete binary message within the limit. */
  abstract void onBinary(ByteBuf content);

  /** A ping or pong from the client. */
  abstract void onActivity();

  /** The TCP connection closed; called once. */
  abstract void onClosed();

  /** Who this is, for logs. */
  abstract String describe();

  /** The connection's fields for a log line: the remote address, and what the session knows. */
  org.slf4j.spi.LoggingEventBuilder fields(org.slf4j.spi.LoggingEventBuilder line) {
    return ctx == null ? line : line.addKeyValue("remote", String.valueOf(ctx.channel().remoteAddress()));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      // the upgrade request's end, still on its way out of the HTTP decoder
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      frame(frame);
    } finally {
      frame.release();
    }
  }

  /**
   * Flushes what the frames just read caused to be written, as Vert.x did at the end of every
   * read: the lane flushes what it marks dirty, and this covers anything written outside a lane
   * batch (a flush with nothing pending costs no system call).
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state != CLOSED) {
      ctx.flush();
    }
  }

  private void frame(WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
      boolean text = frame instanceof TextWebSocketFrame;
      if (frame.isFinalFragment()) {
        message(text, frame.content());
      } else if (fits(frame.content().readableBytes())) {
        partial = ctx.alloc().heapBuffer(Math.min(maxMessageBytes, 2 * frame.content().readableBytes() + 64));
        partial.writeBytes(frame.content());
        partialText = text;
      }
    } else if (frame instanceof ContinuationWebSocketFrame) {
      if (partial == null) {
        return; // the decoder refuses a continuation without a start; or the message was refused
      }
      if (fits(partial.readableBytes() + frame.content().readableBytes())) {
        partial.writeBytes(frame.content());
        if (frame.isFinalFragment()) {
          ByteBuf whole = partial;
          partial = null;
          try {
            message(partialText, whole);
          } finally {
            whole.release();
          }
        }
      }
    } else if (frame instanceof PingWebSocketFrame) {
      if (state == OPEN) {
        ctx.writeAndFlush(Frames.pong(ctx.alloc(), frame.content()), ctx.voidPromise());
      }
      onActivity();
    } else if (frame instanceof PongWebSocketFrame) {
      onActivity();
    } else if (frame instanceof CloseWebSocketFrame close) {
      if (state == OPEN) {
        state = CLOSING;
        int code = close.statusCode();
        fields(LOG.atDebug()).addKeyValue("code", code).log("{} closed by the client ({})", describe(), code);
        ctx.writeAndFlush(Frames.close(ctx.alloc(), code < 0 ? 1000 : code, ""))
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.channel().close();
      }
    }
  }

  /** Whether a message of {@code bytes} is within the limit; if not the connection is closed (1009). */
  private boolean fits(int bytes) {
    if (bytes <= maxMessageBytes) {
      return true;
    }
    releasePartial();
    close(1009, "Message over the " + maxMessageBytes + " bytes this server accepts");
    return false;
  }

  private void message(boolean text, ByteBuf content) {
    if (state != OPEN || !fits(content.readableBytes())) {
      return;
    }
    if (!text) {
      onBinary(content);
    } else if (!ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
      close(1007, "Text message is not valid UTF-8");
    } else {
      onText(content.toString(StandardCharsets.UTF_8));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException c) {
      fields(LOG.atDebug()).log("{}: refused frame: {}", describe(), c.getMessage());
      close(c.closeStatus().code(), c.getMessage() == null ? c.closeStatus().reasonText() : c.getMessage());
    } else {
      fields(LOG.atDebug()).log("{} failed: {}", describe(), cause.toString());
      ctx.channel().close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state != CLOSED) {
      state = CLOSED;
      releasePartial();
      loop.openSockets.decrementAndGet();
      fields(LOG.atDebug()).log("{}: connection closed", describe());
      onClosed();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePartial();
  }

  private void releasePartial() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }

  /** Sends a close frame, then drops the connection unless the client answers in time. */
  void close(int code, String reason) {
    if (state != OPEN) {
      return;
    }
    state = CLOSING;
    fields(LOG.atDebug()).addKeyValue("code", code).log("{}: closing with {} {}", describe(), code, reason);
    ctx.writeAndFlush(Frames.close(ctx.alloc(), code, reason), ctx.voidPromise());
    dropAfter(ctx.channel(), CLOSE_GRACE_SECONDS);
  }

  /** Bytes waiting to be written to the socket. */
  long pendingBytes() {
    ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  /**
   * Resets the TCP connection now: used for a client that stopped reading, whose close frame
   * cannot pass what it has not read; a reset (SO_LINGER 0) frees the socket and its send buffer
   * at once, where a FIN would wait behind the unread bytes until the client reads again.
   */
  static void dropNow(Channel channel) {
    if (channel.isOpen()) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.close();
    }
  }

  /** Drops the connection after {@code seconds} unless it closed by then. */
  static void dropAfter(Channel channel, long seconds) {
    channel.eventLoop().schedule(() -> dropNow(channel), seconds, TimeUnit.SECONDS);
  }
}
