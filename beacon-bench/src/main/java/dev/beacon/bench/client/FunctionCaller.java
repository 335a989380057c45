package dev.beacon.bench.client;

import dev.beacon.bench.metrics.LatencyRecorder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Calls Beacon's functions over HTTP ({@code POST /api/query|mutation}) on a fixed set of
 * keep-alive connections, one call in flight on each, and records each call's latency from the
 * time it was meant to be sent. A reply counts as a success when its body says {@code "status":
 * "success"}.
 *
 * <p>Three ways to drive it: {@link #call} sends one call from any thread (for low rates);
 * {@link #closedLoop} keeps every connection busy, each reply sending the next call; {@link
 * #paced} sends at a fixed rate. Both loops run on the client's event loops, each loop driving
 * only its own connections, so the calls cost no thread hand-offs.
 */
public final class FunctionCaller implements AutoCloseable {

  /** One call: {@code query} or {@code mutation}, a bearer token, and the JSON body. */
  public record Call(String kind, String token, byte[] body) {}

  private static final AttributeKey<Long> SENT = AttributeKey.valueOf("sent");
  private static final byte[] SUCCESS = "\"status\":\"success\"".getBytes(StandardCharsets.US_ASCII);
  /** How often the pacing thread hands due calls to the event loops. */
  private static final long PACE_TICK_NANOS = 100_000;

  private final Endpoint endpoint;
  private final LatencyRecorder latency;
  private final List<Channel> channels = new ArrayList<>();
  private final ConcurrentLinkedQueue<Channel> idle = new ConcurrentLinkedQueue<>();
  private final Map<EventLoop, Loop> loops = new LinkedHashMap<>();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile String lastFailure = "";
  /** A thread parked in {@link #callWhenIdle}, woken when a connection comes back idle. */
  private volatile Thread waiter;

  private FunctionCaller(Endpoint endpoint, LatencyRecorder latency) {
    this.endpoint = endpoint;
    this.latency = latency;
  }

  /** Opens {@code connections} keep-alive connections. */
  public static FunctionCaller open(ClientLoops loops, Endpoint endpoint, int connections,
      LatencyRecorder latency) throws InterruptedException {
    FunctionCaller f = new FunctionCaller(endpoint, latency);
    Bootstrap b = new Bootstrap().group(loops.group()).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), f.new Replies());
          }
        });
    for (int i = 0; i < connections; i++) {
      Channel c = b.connect(new InetSocketAddress(endpoint.host(), endpoint.port())).sync().channel();
      f.channels.add(c);
      f.idle.add(c);
      f.loops.computeIfAbsent(c.eventLoop(), el -> f.new Loop(el)).channels.add(c);
    }
    return f;
  }

  /**
   * Calls a function on an idle connection, from any thread.
   *
   * @param intendedNanos when the call was meant to go out, for its latency
   * @return false if every connection has a call in flight
   */
  public boolean call(String kind, String token, byte[] body, long intendedNanos) {
    Channel c = idle.poll();
    if (c == null) {
      return false;
    }
    send(c, new Call(kind, token, body), intendedNanos);
    return true;
  }

  /**
   * As {@link #call}, waiting while every connection has a call in flight: the thread parks until
   * a reply gives a connection back (it does not spin, which on a machine of few cores would take
   * CPU from the server being measured).
   *
   * @return false if no connection came free before {@code giveUpNanos} ({@link System#nanoTime()})
   */
  public boolean callWhenIdle(String kind, String token, byte[] body, long intendedNanos,
      long giveUpNanos) {
    while (!call(kind, token, body, intendedNanos)) {
      if (System.nanoTime() > giveUpNanos) {
        return false;
      }
      waiter = Thread.currentThread();
      if (idle.isEmpty()) {
        LockSupport.parkNanos(1_000_000);
      }
      waiter = null;
    }
    return true;
  }

  /**
   * Keeps every connection busy for {@code nanos}: each reply sends the next call at once. Returns
   * when the time is up and the calls in flight have been answered (or after five more seconds).
   */
  public void closedLoop(Supplier<Call> calls, long nanos) throws InterruptedException {
    long end = System.nanoTime() + nanos;
    takeOverIdle();
    for (Loop l : loops.values()) {
      l.eventLoop.execute(() -> {
        l.mode = Mode.CLOSED;
        l.calls = calls;
        l.end = end;
        while (!l.free.isEmpty()) {
          send(l.free.poll(), calls.get(), System.nanoTime());
        }
      });
    }
    awaitQuiet(end);
  }

  /**
   * Sends {@code perSecond} calls for {@code nanos}, each stamped with when it was due. A pacing
   * thread hands the due times to the event loops every 0.1 ms; a call due while all of its loop's
   * connections are busy waits in that loop's backlog, which each reply drains, so the wait counts
   * in its latency (no coordinated omission).
   *
   * @return how many calls had to wait for a connection
   */
  public long paced(Supplier<Call> calls, double perSecond, long nanos) throws InterruptedException {
    takeOverIdle();
    List<Loop> all = new ArrayList<>(loops.values());
    for (Loop l : all) {
      onLoop(l, () -> {
        l.mode = Mode.PACED;
        l.calls = calls;
        l.late = 0;
      });
    }
    long start = System.nanoTime();
    long end = start + nanos;
    double interval = 1e9 / perSecond;
    long i = 0;
    while (true) {
      long now = System.nanoTime();
      boolean over = false;
      while (true) {
        long due = start + (long) (i * interval);
        if (due >= end) {
          over = true;
          break;
        }
        if (due > now) {
          break;
        }
        // due times go to the loops in turn (their connections are spread evenly)
        Loop l = all.get((int) (i % all.size()));
        l.due.add(due);
        i++;
      }
      for (Loop l : all) {
        if (!l.due.isEmpty() && l.woken.compareAndSet(false, true)) {
          l.eventLoop.execute(l::takeDue);
        }
      }
      if (over) {
        break;
      }
      LockSupport.parkNanos(PACE_TICK_NANOS);
    }
    awaitQuiet(end);
    long late = 0;
    for (Loop l : all) {
      late += l.late;
    }
    return late;
  }

  public long succeeded() {
    return succeeded.get();
  }

  public long failed() {
    return failed.get();
  }

  public String lastFailure() {
    return lastFailure;
  }

  public int connections() {
    return channels.size();
  }

  @Override
  public void close() {
    channels.forEach(Channel::close);
  }

  private void send(Channel c, Call call, long intendedNanos) {
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        "/api/" + call.kind(), Unpooled.wrappedBuffer(call.body()));
    req.headers()
        .set(HttpHeaderNames.HOST, endpoint.toString())
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + call.token())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, call.body().length);
    c.attr(SENT).set(intendedNanos);
    c.writeAndFlush(req, c.voidPromise());
  }

  /** Moves the idle connections of the shared queue to their loops' own lists. */
  private void takeOverIdle() throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (idle.size() < channels.size() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    List<Channel> taken = new ArrayList<>();
    for (Channel c; (c = idle.poll()) != null; ) {
      taken.add(c);
    }
    for (Loop l : loops.values()) {
      onLoop(l, () -> {
        for (Channel c : taken) {
          if (c.eventLoop() == l.eventLoop) {
            l.free.add(c);
          }
        }
      });
    }
  }

  /**
   * After {@code end}: stops the loops from sending more, waits for the calls in flight and the
   * backlogs (at most five seconds), and gives the connections back to the shared queue.
   */
  private void awaitQuiet(long end) throws InterruptedException {
    long wait = end - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (Loop l : loops.values()) {
      while (System.nanoTime() < deadline) {
        boolean[] done = new boolean[1];
        onLoop(l, () -> {
          if (l.mode == Mode.CLOSED) {
            l.mode = Mode.DRAINING;
          }
          done[0] = l.backlog.isEmpty() && l.due.isEmpty() && l.free.size() == l.channels.size();
          if (done[0]) {
            l.mode = Mode.SHARED;
            idle.addAll(l.free);
            l.free.clear();
          }
        });
        if (done[0]) {
          break;
        }
        Thread.sleep(5);
      }
    }
    for (Loop l : loops.values()) {
      onLoop(l, () -> {
        // whatever the deadline left behind is dropped; the connections still busy come back
        // through the shared queue as their replies arrive
        l.mode = Mode.SHARED;
        l.backlog.clear();
        l.due.clear();
        idle.addAll(l.free);
        l.free.clear();
      });
    }
  }

  /** Runs {@code task} on the loop's thread and waits for it. */
  private static void onLoop(Loop l, Runnable task) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    l.eventLoop.execute(() -> {
      try {
        task.run();
      } finally {
        done.countDown();
      }
    });
    done.await();
  }

  private enum Mode { SHARED, CLOSED, PACED, DRAINING }

  /** The connections of one client event loop and their driving state; touched only on it. */
  private final class Loop {
    final EventLoop eventLoop;
    final List<Channel> channels = new ArrayList<>();
    final ArrayDeque<Channel> free = new ArrayDeque<>();
    final ArrayDeque<Long> backlog = new ArrayDeque<>();
    /** Due times from the pacing thread. */
    final ConcurrentLinkedQueue<Long> due = new ConcurrentLinkedQueue<>();
    final AtomicBoolean woken = new AtomicBoolean();
    Mode mode = Mode.SHARED;
    Supplier<Call> calls;
    long end;
    long late;

    Loop(EventLoop eventLoop) {
      this.eventLoop = eventLoop;
    }

    /** Sends the calls the pacing thread has made due, or puts them in the backlog. */
    void takeDue() {
      woken.set(false);
      for (Long d; (d = due.poll()) != null; ) {
        if (mode != Mode.PACED) {
          continue;
        }
        if (backlog.isEmpty() && !free.isEmpty()) {
          send(free.poll(), calls.get(), d);
        } else {
          backlog.add(d);
          late++;
        }
      }
    }

    /** A connection has its reply: give it its next call, or keep it free. */
    void replied(Channel c) {
      switch (mode) {
        case CLOSED -> {
          if (System.nanoTime() < end) {
            send(c, calls.get(), System.nanoTime());
          } else {
            free.add(c);
          }
        }
        case PACED -> {
          Long d = backlog.poll();
          if (d != null) {
            send(c, calls.get(), d);
          } else {
            free.add(c);
          }
        }
        case DRAINING -> free.add(c);
        case SHARED -> {
          idle.add(c);
          Thread w = waiter;
          if (w != null) {
            LockSupport.unpark(w);
          }
        }
      }
    }
  }

  private final class Replies extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
      Long sent = ctx.channel().attr(SENT).get();
      if (sent != null) {
        latency.recordSince(sent);
      }
      ByteBuf content = res.content();
      if (res.status().code() == 200 && Payloads.indexOf(content, SUCCESS, content.readerIndex()) >= 0) {
        succeeded.incrementAndGet();
      } else {
        failed.incrementAndGet();
        lastFailure = res.status().code() + " " + content.toString(StandardCharsets.UTF_8);
      }
      loops.get(ctx.channel().eventLoop()).replied(ctx.channel());
    }
  }
}
