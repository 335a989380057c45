package dev.beacon.core.live;

import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.functions.Functions;
import dev.beacon.core.hub.Lane;
import dev.beacon.core.hub.UserConnections;
import dev.beacon.core.metrics.BeaconMetrics;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Convex sync protocol service of one server: what every {@link SyncSession} shares (the
 * function registry, the live-query engine, timestamps, authentication, the mutation log) and
 * the count of open sessions.
 */
public final class SyncService {

  /** The most queries one connection may subscribe to. */
  public static final int MAX_QUERIES_PER_CONNECTION = 1000;

  final Functions functions;
  final LiveQueries live;
  final Timestamps timestamps;
  final Authenticator authenticator;
  final Executor workers;
  final UserConnections userConnections;
  final MutationLog mutations = new MutationLog();
  final BeaconMetrics metrics;
  final DebugConsole console;
  private final AtomicInteger open = new AtomicInteger();

  public SyncService(Functions functions, LiveQueries live, Timestamps timestamps,
      Authenticator authenticator, Executor workers, UserConnections userConnections) {
    this(functions, live, timestamps, authenticator, workers, userConnections, BeaconMetrics.NONE,
        DebugConsole.NONE);
  }

  /**
   * @param metrics and {@code console} hear of every mutation called over a sync WebSocket, as
   *     they hear of calls over HTTP
   */
  public SyncService(Functions functions, LiveQueries live, Timestamps timestamps,
      Authenticator authenticator, Executor workers, UserConnections userConnections,
      BeaconMetrics metrics, DebugConsole console) {
    this.metrics = metrics;
    this.console = console;
    this.functions = functions;
    this.live = live;
    this.timestamps = timestamps;
    this.authenticator = authenticator;
    this.workers = workers;
    this.userConnections = userConnections;
  }

  /** Opens the session of a new sync WebSocket on its lane (and must be called there). */
  public SyncSession open(Lane lane, SyncTransport transport) {
    open.incrementAndGet();
    SyncSession session = new SyncSession(this, lane, transport);
    session.start();
    return session;
  }

  void closed() {
    open.decrementAndGet();
  }

  /** Open sync connections on this node. */
  public int connections() {
    return open.get();
  }

  public LiveQueries live() {
    return live;
  }

  public Timestamps timestamps() {
    return timestamps;
  }
}
