package dev.beacon.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines for HTTP connections that do not finish what they started, installed on every
 * accepted connection and removed from a connection that becomes a WebSocket.
 *
 * <ul>
 *   <li>A request (head and body; a WebSocket upgrade is a request) must arrive completely within
 *       the request timeout of the connection being opened or of its first byte; otherwise the
 *       connection is closed. Silent connections, partial heads and bodies sent a byte at a time
 *       do not hold a socket for longer than that. Between requests the keep-alive idle timeout
 *       (Vert.x's) applies instead.
 *   <li>At most {@code maxPendingPerAddress} connections from one remote address may be open
 *       without having sent their first request head; more are answered 429 and closed.
 * </ul>
 *
 * <p>Two handlers share one guard: one ahead of the HTTP decoder sees the first byte of each
 * request, one behind it sees the decoded head and the request's end. Both run on the
 * connection's event loop.
 */
public final class HttpGuard {

  private static final Logger LOG = LoggerFactory.getLogger(HttpGuard.class);

  static final String BYTES = "beacon-request-start";
  static final String HEADS = "beacon-request-end";

  /** What every connection's guard shares: the limits and the pending count per address. */
  public static final class Limits {
    private final long timeoutMillis;
    private final int maxPendingPerAddress;
    private final ConcurrentHashMap<InetAddress, Integer> pending = new ConcurrentHashMap<>();

    public Limits(int timeoutSeconds, int maxPendingPerAddress) {
      this.timeoutMillis = TimeUnit.SECONDS.toMillis(timeoutSeconds);
      this.maxPendingPerAddress = maxPendingPerAddress;
    }

    /** Counts one more pending connection from {@code address}; false if over the cap. */
    boolean admit(InetAddress address) {
      if (maxPendingPerAddress <= 0) {
        return true;
      }
      int now = pending.merge(address, 1, Integer::sum);
      if (now > maxPendingPerAddress) {
        release(address);
        return false;
      }
      return true;
    }

    void release(InetAddress address) {
      pending.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Addresses with pending connections (for tests and metrics). */
    public int pendingAddresses() {
      return pending.size();
    }
  }

  private final Limits limits;
  private ChannelHandlerContext ctx;
  /** The address counted as pending until the first request head, or null. */
  private InetAddress pendingFrom;
  private boolean inRequest;
  private ScheduledFuture<?> deadline;

  private HttpGuard(Limits limits) {
    this.limits = limits;
  }

  /**
   * Installs a guard on a freshly accepted HTTP connection whose pipeline Vert.x has just built
   * ({@code httpDecoder} ... {@code handler}).
   */
  static void install(ChannelPipeline pipeline, Limits limits) {
    HttpGuard guard = new HttpGuard(limits);
    pipeline.addBefore("httpDecoder", BYTES, guard.new Bytes());
    pipeline.addBefore("handler", HEADS, guard.new Heads());
  }

  /** Removes the guard (the connection became a WebSocket); a no-op if it is not there. */
  static void remove(ChannelPipeline pipeline) {
    if (pipeline.get(BYTES) != null) {
      pipeline.remove(BYTES);
    }
    if (pipeline.get(HEADS) != null) {
      pipeline.remove(HEADS);
    }
  }

  private void opened(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
      InetAddress address = remote.getAddress();
      if (!limits.admit(address)) {
        LOG.debug("refusing a connection from {}: {} connections from it are still waiting for "
            + "their first request", address.getHostAddress(), limits.maxPendingPerAddress);
        String body = "{\"error\":\"Too many connections from this address waiting for their first request\"}";
        ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 429 Too Many Requests\r\n"
            + "content-type: application/json; charset=utf-8\r\ncontent-length: " + body.length()
            + "\r\nconnection: close\r\n\r\n" + body, StandardCharsets.US_ASCII))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      pendingFrom = address;
    }
    startRequest();
  }

  private void startRequest() {
    inRequest = true;
    deadline = ctx.executor().schedule(this::expired, limits.timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void expired() {
    deadline = null;
    if (inRequest && ctx.channel().isOpen()) {
      LOG.debug("closing {}: no complete request within {} ms", ctx.channel().remoteAddress(),
          limits.timeoutMillis);
      ctx.channel().close();
    }
  }

  private void headArrived() {
    if (pendingFrom != null) {
      limits.release(pendingFrom);
      pendingFrom = null;
    }
  }

  private void requestEnded() {
    inRequest = false;
    cancel();
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  private void done() {
    cancel();
    headArrived();
  }

  /** Ahead of the decoder: the first byte of a request starts its deadline. */
  private final class Bytes extends ChannelDuplexHandler {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (ctx.channel().isActive()) {
        opened(ctx);
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      if (HttpGuard.this.ctx == null) {
        opened(ctx);
      }
      super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!inRequest && msg instanceof ByteBuf b && b.isReadable()) {
        startRequest();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      done();
      super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      done();
    }
  }

  /** Behind the decoder: a head ends the connection's pending state, the request's end its deadline. */
  private final class Heads extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        headArrived();
      }
      if (msg instanceof LastHttpContent) {
        requestEnded();
      }
      ctx.fireChannelRead(msg);
    }
  }
}
