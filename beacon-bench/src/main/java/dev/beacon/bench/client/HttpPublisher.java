package dev.beacon.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes over HTTP with a fixed set of keep-alive connections, one request in flight on each:
 * the in-flight bound is the number of connections, and a publication finding every connection
 * busy is refused (the caller decides whether to wait or count it as late).
 */
public final class HttpPublisher implements AutoCloseable {

  private final Endpoint endpoint;
  private final List<Channel> channels = new ArrayList<>();
  private final ConcurrentLinkedQueue<Channel> idle = new ConcurrentLinkedQueue<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile String lastFailure = "";

  private HttpPublisher(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Opens {@code connections} keep-alive connections to {@code endpoint}. */
  public static HttpPublisher open(ClientLoops loops, Endpoint endpoint, int connections)
      throws InterruptedException {
    HttpPublisher p = new HttpPublisher(endpoint);
    Bootstrap b = new Bootstrap()
        .group(loops.group())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                p.new Responses());
          }
        });
    for (int i = 0; i < connections; i++) {
      Channel c = b.connect(new InetSocketAddress(endpoint.host(), endpoint.port())).sync().channel();
      p.channels.add(c);
      p.idle.add(c);
    }
    return p;
  }

  /**
   * Sends {@code POST pathAndQuery} with a JSON body on an idle connection.
   *
   * @return false if every connection has a request in flight
   */
  public boolean post(String pathAndQuery, byte[] body) {
    Channel c = idle.poll();
    if (c == null) {
      return false;
    }
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        pathAndQuery, Unpooled.wrappedBuffer(body));
    req.headers()
        .set(HttpHeaderNames.HOST, endpoint.toString())
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    c.writeAndFlush(req, c.voidPromise());
    return true;
  }

  /** Requests answered 2xx. */
  public long accepted() {
    return accepted.get();
  }

  /** Requests answered 503 (the server refused the publication as overloaded). */
  public long refused() {
    return refused.get();
  }

  /** Requests answered with another status. */
  public long failed() {
    return failed.get();
  }

  public String lastFailure() {
    return lastFailure;
  }

  /** Whether every connection is idle (no request in flight). */
  public boolean quiet() {
    return idle.size() == channels.size();
  }

  @Override
  public void close() {
    for (Channel c : channels) {
      c.close();
    }
  }

  private final class Responses extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
      int status = res.status().code();
      if (status / 100 == 2) {
        accepted.incrementAndGet();
      } else if (status == 503) {
        refused.incrementAndGet();
      } else {
        failed.incrementAndGet();
        lastFailure = status + " " + res.content().toString(java.nio.charset.StandardCharsets.UTF_8);
      }
      idle.add(ctx.channel());
    }
  }
}
