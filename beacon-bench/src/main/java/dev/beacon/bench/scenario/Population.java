package dev.beacon.bench.scenario;

import dev.beacon.bench.client.BenchSocket;
import dev.beacon.bench.client.ClientLoops;
import dev.beacon.bench.client.Endpoint;
import dev.beacon.bench.client.SocketListener;
import dev.beacon.bench.client.WireProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A set of client sockets opened together: each is opened, established, and made to join what
 * the scenario says ({@code join}), with at most {@code inFlight} connections between the first
 * byte and their subscription at once, and optionally at most {@code rate} attempts per second.
 * Everything else the sockets hear goes to the scenario's listener.
 */
public final class Population implements AutoCloseable {

  private final ClientLoops loops;
  private final Endpoint endpoint;
  private final String appKey;
  private final WireProtocol protocol;
  private final Consumer<BenchSocket> join;
  private final SocketListener events;
  private final List<BenchSocket> sockets = new ArrayList<>();
  private final AtomicInteger established = new AtomicInteger();
  private final AtomicInteger subscribed = new AtomicInteger();
  private final AtomicInteger closedUnsubscribed = new AtomicInteger();
  private final java.util.Set<BenchSocket> subscribedSockets = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final Semaphore permits;
  private volatile boolean readyWhenEstablished;

  /**
   * @param join what an established Pusher socket does (subscribe); not called for raw sockets,
   *     which count as subscribed once open
   */
  public Population(ClientLoops loops, Endpoint endpoint, String appKey, WireProtocol protocol,
      int inFlight, Consumer<BenchSocket> join, SocketListener events) {
    this.loops = loops;
    this.endpoint = endpoint;
    this.appKey = appKey;
    this.protocol = protocol;
    this.join = join;
    this.events = events;
    this.permits = new Semaphore(inFlight);
  }

  /**
   * Counts a socket as done opening once established, for sockets that join nothing at first
   * (churners subscribe later, many times).
   */
  public Population readyWhenEstablished() {
    readyWhenEstablished = true;
    return this;
  }

  /**
   * Opens sockets numbered {@code first} to {@code first + count - 1} from the calling thread,
   * waiting for in-flight room; {@code ratePerSecond} 0 means no pacing.
   */
  public void open(int first, int count, double ratePerSecond) throws InterruptedException {
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (ratePerSecond > 0) {
        long due = start + (long) (i * 1e9 / ratePerSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      if (!permits.tryAcquire(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no connection finished opening for 120 s ("
            + established.get() + " established, " + subscribed.get() + " subscribed, "
            + failed.get() + " failed)");
      }
      BenchSocket s = loops.open(endpoint, appKey, protocol, first + i, listener);
      synchronized (sockets) {
        sockets.add(s);
      }
    }
  }

  /** Waits until {@code n} subscriptions are confirmed; false on timeout. */
  public boolean awaitSubscribed(int n, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (subscribed.get() < n) {
      if (System.currentTimeMillis() > deadline
          || subscribed.get() + failed.get() + closedUnsubscribed.get() >= n) {
        return false; // timed out, or every socket not subscribed is gone: no use waiting
      }
      Thread.sleep(5);
    }
    return true;
  }

  public int established() {
    return established.get();
  }

  public int subscribed() {
    return subscribed.get();
  }

  public int failed() {
    return failed.get();
  }

  /** The first error or failure any socket reported, or empty. */
  public String firstError() {
    String e = firstError.get();
    return e == null ? "" : e;
  }

  public List<BenchSocket> sockets() {
    synchronized (sockets) {
      return List.copyOf(sockets);
    }
  }

  /** A summary for error messages. */
  public String status() {
    return established.get() + " established, " + subscribed.get() + " subscribed, "
        + failed.get() + " failed, " + closedUnsubscribed.get() + " closed before subscribing, "
        + BenchSocket.dropped() + " frames the generator dropped"
        + (firstError().isEmpty() ? "" : "; first error: " + firstError());
  }

  @Override
  public void close() {
    for (BenchSocket s : sockets()) {
      s.close();
    }
  }

  private final SocketListener listener = new SocketListener() {
    @Override
    public void established(BenchSocket socket) {
      established.incrementAndGet();
      if (readyWhenEstablished) {
        permits.release();
      }
      events.established(socket);
      if (protocol == WireProtocol.PUSHER) {
        join.accept(socket);
      }
    }

    @Override
    public void subscribed(BenchSocket socket) {
      subscribedSockets.add(socket);
      subscribed.incrementAndGet();
      if (!readyWhenEstablished) {
        permits.release();
      }
      events.subscribed(socket);
    }

    @Override
    public void event(BenchSocket socket, long sentNanos) {
      events.event(socket, sentNanos);
    }

    @Override
    public void memberAdded(BenchSocket socket, long number) {
      events.memberAdded(socket, number);
    }

    @Override
    public void memberRemoved(BenchSocket socket, long number) {
      events.memberRemoved(socket, number);
    }

    @Override
    public void error(BenchSocket socket, String frame) {
      firstError.compareAndSet(null, frame);
      events.error(socket, frame);
    }

    @Override
    public void failed(BenchSocket socket, Throwable cause) {
      failed.incrementAndGet();
      firstError.compareAndSet(null, String.valueOf(cause));
      permits.release();
      events.failed(socket, cause);
    }

    @Override
    public void closed(BenchSocket socket) {
      if (protocol == WireProtocol.PUSHER && !readyWhenEstablished
          && !subscribedSockets.contains(socket)) {
        closedUnsubscribed.incrementAndGet();
        firstError.compareAndSet(null, "socket " + socket.index() + " closed before its subscription succeeded");
        permits.release();
      }
      events.closed(socket);
    }
  };
}
