package dev.beacon.bench.target;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The bare transport Beacon is compared with: plain Netty WebSockets and nothing else. Every
 * WebSocket at any path is kept in one group; a {@code POST /broadcast} sends its body as a text
 * frame to all of them, and a text frame from a client is sent to all the others. No protocol, no
 * channels, no authentication: what is left of Beacon's cost once Pusher is taken away.
 *
 * <p>Runs in-process ({@link #start}) or as its own process ({@link #main}: {@code --port=N
 * --threads=N}, prints {@code listening PORT} when ready).
 */
public final class BaselineServer implements AutoCloseable {

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ChannelGroup sockets = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Channel listener;

  private BaselineServer(String host, int port, int threads) throws InterruptedException {
    boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    ChannelHandler broadcast = new HttpBroadcast();
    ChannelHandler relay = new Relay();
    listener = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // flushes from many publications coalesce into one write per connection, as a
            // well-built broadcast server would do (Beacon's lanes do the same)
            ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                broadcast, new WebSocketServerProtocolHandler("/", null, false, 1 << 20, false, true),
                relay);
          }
        })
        .bind(host, port).sync().channel();
  }

  /** Starts on {@code host:port} ({@code 0}: any free port) with {@code threads} event loops. */
  public static BaselineServer start(String host, int port, int threads) throws InterruptedException {
    return new BaselineServer(host, port, threads);
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Open WebSockets. */
  public int connections() {
    return sockets.size();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    sockets.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** {@code POST /broadcast}: the body goes to every WebSocket as one text frame. */
  @ChannelHandler.Sharable
  private final class HttpBroadcast extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest req && req.method().equals(HttpMethod.POST)) {
        try {
          sockets.writeAndFlush(textFrame(req.content()));
          DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK);
          res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
          ctx.writeAndFlush(res);
        } finally {
          req.release();
        }
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * The complete unmasked WebSocket text frame for {@code payload}, built once and shared by
   * every connection (the group writes a retained duplicate to each; the encoder passes raw
   * buffers through).
   */
  static ByteBuf textFrame(ByteBuf payload) {
    int len = payload.readableBytes();
    ByteBuf out = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(len + 10);
    out.writeByte(0x81); // FIN, text
    if (len < 126) {
      out.writeByte(len);
    } else if (len < 65536) {
      out.writeByte(126).writeShort(len);
    } else {
      out.writeByte(127).writeLong(len);
    }
    out.writeBytes(payload, payload.readerIndex(), len);
    return out;
  }

  /** Registers opened WebSockets and relays client frames to every other one. */
  @ChannelHandler.Sharable
  private final class Relay extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        sockets.add(ctx.channel());
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof TextWebSocketFrame frame) {
        try {
          sockets.writeAndFlush(textFrame(frame.content()), ChannelMatchers.isNot(ctx.channel()));
        } finally {
          frame.release();
        }
        return;
      }
      io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close().addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Runs as its own process until killed. */
  public static void main(String[] args) throws Exception {
    dev.beacon.bench.config.Options o = dev.beacon.bench.config.Options.parse(java.util.List.of(args));
    String host = o.string("host", "127.0.0.1");
    int port = o.integer("port", 0, 0, 65535);
    int threads = o.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 256);
    o.requireAllRead();
    BaselineServer server = start(host, port, threads);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    System.out.println("listening " + server.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
