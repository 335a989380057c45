package dev.beacon.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay between the nodes of a test and a Redis server, one pair of threads per connection,
 * listening on a port the OS gave it for the relay's whole life (so the nodes' Redis URL stays
 * valid whatever happens behind it). It can misbehave as Redis and the network do:
 *
 * <ul>
 *   <li>{@link #retarget}: new connections go to another Redis (one started again elsewhere);
 *       while nothing listens there a new connection is closed at once (unreachable);
 *   <li>{@link #silenceSubscribed}: what Redis sends on the connections subscribed now is
 *       swallowed, the connections stay open (a pub/sub that silently stopped delivering);
 *   <li>{@link #stall}: nothing passes either way on any connection, open or new, and every
 *       connection stays open (a Redis that hangs: {@code CLIENT PAUSE}, {@code DEBUG SLEEP}, a
 *       stopped process, a saturated network), until {@link #resume}: either what was held
 *       passes again on the same connections (the pause ends), or the held connections stay
 *       open and silent for ever and only new connections pass (the connections a hung Redis
 *       or a failover left half-open).
 * </ul>
 *
 * <p>It stands in front of the shared Redis without touching it: other tests on that Redis are
 * not paused.
 */
final class RedisRelay implements AutoCloseable {

  private final ServerSocket server;
  private volatile int target;
  private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
  private final Object holdLock = new Object();
  private volatile boolean stalled;
  private volatile int subscribed;

  RedisRelay(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String url() {
    return "redis://127.0.0.1:" + port() + "/0";
  }

  /** New connections go to {@code port} from now on. */
  void retarget(int port) {
    this.target = port;
  }

  /** Connections that have sent a SUBSCRIBE so far. */
  int subscribedConnections() {
    return subscribed;
  }

  /** Connections open now. */
  int openConnections() {
    return pipes.size();
  }

  /**
   * From now on nothing Redis sends reaches the connections subscribed now; they stay open.
   *
   * @return how many were silenced
   */
  int silenceSubscribed() {
    int n = 0;
    for (Pipe p : pipes) {
      if (p.subscribed) {
        p.silent = true;
        n++;
      }
    }
    return n;
  }

  /** From now on nothing passes on any connection, open or new; all stay open. */
  void stall() {
    synchronized (holdLock) {
      stalled = true;
      for (Pipe p : pipes) {
        p.held = true;
      }
    }
  }

  /**
   * Ends a {@link #stall}: with {@code wedged} false, what was held passes again on the same
   * connections; with {@code wedged} true, the connections open during the stall stay open and
   * pass nothing for ever, and only connections made from now on pass.
   *
   * @return how many connections were held
   */
  int resume(boolean wedged) {
    int n = 0;
    synchronized (holdLock) {
      stalled = false;
      for (Pipe p : pipes) {
        if (p.held) {
          n++;
          p.dead = wedged;
          p.held = false;
        }
      }
      holdLock.notifyAll();
    }
    return n;
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket redis;
      try {
        redis = new Socket(InetAddress.getLoopbackAddress(), target);
      } catch (IOException e) {
        closeQuietly(client); // nothing listens there: as unreachable as Redis itself
        continue;
      }
      Pipe pipe = new Pipe(client, redis);
      synchronized (holdLock) {
        pipe.held = stalled;
        pipes.add(pipe);
      }
      pipe.start();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    resume(true);
    for (Pipe p : pipes) {
      p.close();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closed already
    }
  }

  private final class Pipe {
    final Socket client;
    final Socket redis;
    volatile boolean subscribed;
    /** What Redis sends is swallowed. */
    volatile boolean silent;
    /** Nothing passes for now (held until resumed). */
    volatile boolean held;
    /** Nothing passes for ever (swallowed). */
    volatile boolean dead;

    Pipe(Socket client, Socket redis) {
      this.client = client;
      this.redis = redis;
    }

    void start() {
      Thread up = new Thread(() -> pump(true), "relay-up");
      Thread down = new Thread(() -> pump(false), "relay-down");
      up.setDaemon(true);
      down.setDaemon(true);
      up.start();
      down.start();
    }

    private void pump(boolean toRedis) {
      byte[] buf = new byte[16384];
      try (InputStream in = (toRedis ? client : redis).getInputStream();
           OutputStream out = (toRedis ? redis : client).getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (toRedis && !subscribed
              && new String(buf, 0, n, StandardCharsets.ISO_8859_1).toUpperCase().contains("SUBSCRIBE")) {
            subscribed = true;
            RedisRelay.this.subscribed++;
          }
          synchronized (holdLock) {
            while (held) {
              holdLock.wait();
            }
          }
          if (dead || (!toRedis && silent)) {
            continue; // swallowed: the connection stays open and says nothing
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // either side closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        close();
      }
    }

    void close() {
      pipes.remove(this);
      closeQuietly(client);
      closeQuietly(redis);
    }
  }
}
