package dev.beacon.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One client WebSocket of the load generator. Inbound frames are classified by scanning their
 * bytes (no JSON tree, no string per frame) so that the generator spends its share of the CPU on
 * the server's behalf as little as it can; only rare control frames are decoded.
 */
public final class BenchSocket extends SimpleChannelInboundHandler<WebSocketFrame> {

  private static final byte[] ESTABLISHED = ascii("pusher:connection_established");
  private static final byte[] SUBSCRIBED = ascii("pusher_internal:subscription_succeeded");
  private static final byte[] MEMBER_ADDED = ascii("pusher_internal:member_added");
  private static final byte[] MEMBER_REMOVED = ascii("pusher_internal:member_removed");
  private static final byte[] PING = ascii("pusher:ping");
  private static final byte[] PONG = ascii("pusher:pong");
  private static final byte[] ERROR = ascii("pusher:error");
  private static final byte[] SUBSCRIPTION_ERROR = ascii("pusher:subscription_error");
  private static final String SOCKET_ID_FIELD = "socket_id\\\":\\\"";

  private static final java.util.concurrent.atomic.AtomicLong dropped =
      new java.util.concurrent.atomic.AtomicLong();

  private final int index;
  private final WireProtocol protocol;
  private final SocketListener listener;
  private final long openedAt;
  private volatile Channel channel;
  private volatile String socketId;
  private volatile boolean open;
  private boolean failureReported;

  BenchSocket(int index, WireProtocol protocol, SocketListener listener) {
    super(false);
    this.index = index;
    this.protocol = protocol;
    this.listener = listener;
    this.openedAt = System.nanoTime();
  }

  /** The socket's number within its scenario. */
  public int index() {
    return index;
  }

  /** When the connection attempt started ({@link System#nanoTime()}). */
  public long openedAt() {
    return openedAt;
  }

  /** The Pusher socket id, once established. */
  public String socketId() {
    return socketId;
  }

  public boolean isOpen() {
    return open;
  }

  void attach(Channel channel) {
    this.channel = channel;
  }

  /**
   * Knows its channel from the moment it is in the pipeline, on the event loop, before any byte
   * is read: {@link #attach} runs on the opening thread after {@code connect} returns, and on a
   * loaded machine that thread could be descheduled while the event loop completed the handshake
   * and heard {@code connection_established}; the subscribe sent from that callback was then
   * dropped as "no channel" (the one subscription of 10,000 missing in a fan-out run, 2 Dec).
   */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.channel = ctx.channel();
  }

  void connectFailed(Throwable cause) {
    reportFailure(cause);
  }

  private synchronized void reportFailure(Throwable cause) {
    if (!failureReported) {
      failureReported = true;
      listener.failed(this, cause);
    }
  }

  /**
   * Sends a text frame; written and flushed on the socket's event loop. The socket's outbound
   * buffer is bounded by Netty's write-buffer high-water mark (64 KiB): a frame sent while it is
   * over that is dropped and counted rather than queued.
   *
   * @return false if the frame was dropped (socket closed, or the server not reading)
   */
  public boolean send(String text) {
    Channel c = channel;
    if (c == null || !c.isActive() || !c.isWritable()) {
      dropped.incrementAndGet();
      return false;
    }
    c.writeAndFlush(new TextWebSocketFrame(text), c.voidPromise());
    return true;
  }

  /** Frames {@link #send} dropped. */
  public static long dropped() {
    return dropped.get();
  }

  /** Whether a frame sent now would be written rather than dropped. */
  public boolean writable() {
    Channel c = channel;
    return c != null && c.isActive() && c.isWritable();
  }

  /** Subscribes to a public channel. */
  public void subscribe(String channel) {
    send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
  }

  /** Subscribes to a private channel, signing as the app's backend would. */
  public void subscribePrivate(BenchApp app, String channel) {
    String auth = app.channelAuth(socketId, channel, Optional.empty());
    send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel
        + "\",\"auth\":\"" + auth + "\"}}");
  }

  /**
   * Joins a presence channel as bench user {@code u<user>} with {@code userInfoJson}, signing
   * the channel data as the app's backend would.
   */
  public boolean subscribePresence(BenchApp app, String channel, long user, String userInfoJson) {
    String channelData = "{\"user_id\":\"u" + user + "\",\"user_info\":" + userInfoJson + "}";
    String auth = app.channelAuth(socketId, channel, Optional.of(channelData));
    return send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\",\"auth\":\""
        + auth + "\",\"channel_data\":" + dev.beacon.protocol.json.Json.quote(channelData) + "}}");
  }

  public boolean unsubscribe(String channel) {
    return send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
  }

  /** Sends a client event whose data is the string {@code data} (no characters to escape). */
  public boolean clientEvent(String channel, String event, String data) {
    return send("{\"event\":\"" + event + "\",\"channel\":\"" + channel + "\",\"data\":\"" + data + "\"}");
  }

  /** Closes the connection; idempotent. */
  public void close() {
    Channel c = channel;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      open = true;
      if (protocol == WireProtocol.RAW) {
        listener.established(this);
        listener.subscribed(this);
      }
    } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      reportFailure(new IllegalStateException("WebSocket handshake timed out"));
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    try {
      if (frame instanceof TextWebSocketFrame) {
        onText(frame.content());
      } else if (frame instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame close) {
        listener.error(this, "closed by the server: " + close.statusCode() + " " + close.reasonText());
      }
    } finally {
      frame.release();
    }
  }

  private void onText(ByteBuf buf) {
    if (protocol == WireProtocol.RAW) {
      listener.event(this, Payloads.timestamp(buf));
      return;
    }
    int name = Payloads.eventNameStart(buf);
    byte first = name >= 0 && name < buf.writerIndex() ? buf.getByte(name) : 0;
    if (first == 'p') {
      if (Payloads.nameEquals(buf, name, MEMBER_ADDED)) {
        listener.memberAdded(this, Payloads.memberNumber(buf));
      } else if (Payloads.nameEquals(buf, name, MEMBER_REMOVED)) {
        listener.memberRemoved(this, Payloads.memberNumber(buf));
      } else if (Payloads.nameEquals(buf, name, SUBSCRIBED)) {
        listener.subscribed(this);
      } else if (Payloads.nameEquals(buf, name, ESTABLISHED)) {
        String text = buf.toString(StandardCharsets.UTF_8);
        int at = text.indexOf(SOCKET_ID_FIELD);
        int start = at + SOCKET_ID_FIELD.length();
        socketId = text.substring(start, text.indexOf('\\', start));
        listener.established(this);
      } else if (Payloads.nameEquals(buf, name, PING)) {
        send("{\"event\":\"pusher:pong\",\"data\":{}}");
      } else if (Payloads.nameEquals(buf, name, PONG)) {
        // an answer to our ping
      } else if (Payloads.nameEquals(buf, name, ERROR)
          || Payloads.nameEquals(buf, name, SUBSCRIPTION_ERROR)) {
        listener.error(this, buf.toString(StandardCharsets.UTF_8));
      } else {
        listener.event(this, Payloads.timestamp(buf));
      }
    } else {
      listener.event(this, Payloads.timestamp(buf));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    boolean wasOpen = open;
    open = false;
    if (wasOpen) {
      listener.closed(this);
    } else {
      reportFailure(new IllegalStateException("closed before the WebSocket opened"));
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
