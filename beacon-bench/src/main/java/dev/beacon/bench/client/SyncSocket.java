package dev.beacon.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One Convex sync client of the load generator, subscribed to one query: it connects, signs in
 * with a user token, adds the query, and reports each Transition that updates it. Frames are
 * told apart by scanning their bytes, not parsed.
 */
public final class SyncSocket extends SimpleChannelInboundHandler<WebSocketFrame> {

  /** What a sync socket reports. */
  public interface Listener {
    /** The query's first result arrived. */
    void subscribed(SyncSocket socket);

    /** A later result arrived. */
    void updated(SyncSocket socket);

    /** A later result arrived in {@code frame} (a Transition, valid during the call only). */
    default void updated(SyncSocket socket, ByteBuf frame) {
      updated(socket);
    }

    void failed(SyncSocket socket, Throwable cause);
  }

  private static final byte[] TRANSITION = "\"type\":\"Transition\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] UPDATED = "\"QueryUpdated\"".getBytes(StandardCharsets.US_ASCII);

  private final int index;
  private final String token;
  private final String udfPath;
  private final String argsJson;
  private final Listener listener;
  private volatile boolean subscribed;
  private volatile Channel channel;

  private SyncSocket(int index, String token, String udfPath, String argsJson, Listener listener) {
    super(true);
    this.index = index;
    this.token = token;
    this.udfPath = udfPath;
    this.argsJson = argsJson;
    this.listener = listener;
  }

  public int index() {
    return index;
  }

  public boolean isSubscribed() {
    return subscribed;
  }

  /** Connects to {@code /api/{version}/sync} and subscribes to {@code udfPath(args)}. */
  public static SyncSocket open(ClientLoops loops, Endpoint endpoint, int index, String token,
      String udfPath, String argsJson, Listener listener) {
    SyncSocket socket = new SyncSocket(index, token, udfPath, argsJson, listener);
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(URI.create("ws://" + endpoint + "/api/1.48.0/sync"))
        .version(WebSocketVersion.V13).maxFramePayloadLength(1 << 20)
        .handshakeTimeoutMillis(60_000).withUTF8Validator(false).build();
    Bootstrap b = new Bootstrap().group(loops.group()).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                new WebSocketClientProtocolHandler(ClientFrameDecoder.handshaker(config), config), socket);
          }
        });
    b.connect(new InetSocketAddress(endpoint.host(), endpoint.port())).addListener(f -> {
      if (!f.isSuccess()) {
        listener.failed(socket, f.cause());
      }
    });
    return socket;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      channel = ctx.channel();
      send("{\"type\":\"Connect\",\"sessionId\":\"" + UUID.randomUUID()
          + "\",\"connectionCount\":0,\"lastCloseReason\":null,\"clientTs\":0}");
      send("{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"" + token
          + "\",\"baseVersion\":0}");
      send("{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,\"modifications\":"
          + "[{\"type\":\"Add\",\"queryId\":0,\"udfPath\":\"" + udfPath + "\",\"args\":[" + argsJson + "]}]}");
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    if (!(frame instanceof TextWebSocketFrame)) {
      return;
    }
    ByteBuf content = frame.content();
    // a scan from the frame's start (both are in its first few hundred bytes), not Netty's
    // general search, which prepares the needle on every call: with transitions of whole
    // streamed texts this was a quarter of the generator's CPU
    int transition = Payloads.indexOf(content, TRANSITION, content.readerIndex());
    if (transition < 0 || Payloads.indexOf(content, UPDATED, transition) < 0) {
      return;
    }
    if (!subscribed) {
      subscribed = true;
      listener.subscribed(this);
    } else {
      listener.updated(this, content);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    listener.failed(this, cause);
    ctx.close();
  }

  private void send(String text) {
    channel.writeAndFlush(new TextWebSocketFrame(text));
  }

  public void close() {
    Channel c = channel;
    if (c != null) {
      c.close();
    }
  }

}
