package dev.beacon.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's event loops: every client socket and HTTP publisher lives on one of a few
 * threads, so thousands of connections cost file descriptors and a little memory, not threads.
 *
 * <p>Linux allows about 28,000 ephemeral ports per (source, destination) address pair; with
 * {@code sources > 1}, sockets bind to 127.0.0.1, 127.0.0.2, … in turn so one process can go
 * beyond that.
 */
public final class ClientLoops implements AutoCloseable {

  /** The largest text frame a socket accepts (a presence snapshot of 1,000 members fits). */
  private static final int MAX_FRAME = 1 << 20;

  static {
    // as Vert.x does for the server (VertxImpl): no leak detection unless asked for with
    // -Dio.netty.leakDetection.level; its sampling and the records of the buffers it picks
    // were 1.5 % of the generator's CPU in the stream scenario
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  private final EventLoopGroup group;
  private final int sources;

  public ClientLoops(int threads, int sources) {
    this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    this.sources = Math.max(1, sources);
  }

  public EventLoopGroup group() {
    return group;
  }

  /**
   * Opens a WebSocket; the socket reports to {@code listener} when it is established (and, for
   * the baseline, at once subscribed) or has failed.
   */
  public BenchSocket open(Endpoint endpoint, String appKey, WireProtocol protocol, int index,
      SocketListener listener) {
    BenchSocket socket = new BenchSocket(index, protocol, listener);
    URI uri = endpoint.websocketUri(protocol, appKey);
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .version(WebSocketVersion.V13)
        .maxFramePayloadLength(MAX_FRAME)
        .handshakeTimeoutMillis(60_000)
        .dropPongFrames(true)
        // the generator reads only ASCII it wrote itself: validating every frame's UTF-8 was its
        // largest single cost
        .withUTF8Validator(false)
        .build();
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 60_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_FRAME),
                new WebSocketClientProtocolHandler(ClientFrameDecoder.handshaker(config), config), socket);
          }
        });
    InetSocketAddress remote = new InetSocketAddress(endpoint.host(), endpoint.port());
    ChannelFuture f = sources > 1
        ? b.connect(remote, new InetSocketAddress("127.0.0." + (1 + index % sources), 0))
        : b.connect(remote);
    Channel channel = f.channel();
    socket.attach(channel);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        socket.connectFailed(done.cause());
      }
    });
    return socket;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
